import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewServer } from '../../analysis/view/server.ts';
import { fixtureRuns } from './fixture-runs.ts';
import { legendRamp, lowestBlockDarkness, rampPosition, readHeatmapCells } from './grid-read.ts';
import { launchChromium, saveScreenshot, serveRun, settled, watchPage } from './harness.ts';

/**
 * The Experts view on the reference-pair fixture: the planted task-routed layers are what stands
 * out where base and tuned routing differ, and the layer with identical weights and inputs is blank.
 */
const truth = JSON.parse(readFileSync('models/reference-pair/ground-truth.json', 'utf8')) as {
  task_routed_layers: { layer: number; experts_by_family: Record<string, number[]> }[];
  unchanged: { layers_identical_weights_and_inputs: number[] };
};
const routed = truth.task_routed_layers.map((l) => `L${l.layer}`).sort();
const identical = truth.unchanged.layers_identical_weights_and_inputs.map((l) => `L${l}`);

let server: ViewServer;
let browser: Browser;

beforeAll(async () => {
  const runs = await fixtureRuns();
  [server, browser] = await Promise.all([serveRun(runs.pair), launchChromium()]);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const watch = watchPage(page);
  await page.goto(`${server.url}${query}`);
  await settled(page, watch);
  return { page, problems: watch.problems };
}

const heatmap = (page: Page, id: string) => page.locator(`figure.chart[data-chart="${id}"]`);
/** `L1 E6 · mrcr` → { layer: 1, expert: 6 } */
const cellOf = (label: string) => {
  const m = /^L(\d+) E(\d+) · /.exec(label);
  if (m === null) throw new Error(`unexpected tooltip ${label}`);
  return { layer: Number(m[1]), expert: Number(m[2]) };
};

describe('the layer × expert usage heatmaps', () => {
  it('Δ is coloured furthest from 0 at the planted routed layers and exactly neutral at the untouched layer', async () => {
    const { page, problems } = await open('?view=experts');
    await saveScreenshot(page, 'experts-heatmaps');
    const chart = heatmap(page, 'expert-heatmap-delta');
    const cells = await readHeatmapCells(page, chart, 'rect');
    expect(cells).toHaveLength(4 * 16); // the reference pair: 4 layers × 16 experts
    const ramp = await legendRamp(chart);
    expect(ramp.length).toBeGreaterThan(20);
    const shift = new Map<string, number[]>();
    for (const c of cells) {
      const layer = `L${cellOf(c.label).layer}`;
      shift.set(layer, [...(shift.get(layer) ?? []), Math.abs(rampPosition(c, ramp) - 0.5)]);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const ranked = [...shift].map(([l, v]) => [l, mean(v)] as const).sort((a, b) => b[1] - a[1]);
    expect(
      ranked
        .slice(0, 2)
        .map(([l]) => l)
        .sort(),
    ).toEqual(routed);
    for (const layer of identical) expect(Math.max(...shift.get(layer)!), layer).toBeLessThan(0.02);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("for one family, the tuned panel concentrates each routed layer on that family's planted experts", async () => {
    const family = 'mrcr';
    const { page, problems } = await open(`?view=experts&family=${family}`);
    // The lower panel is the tuned model's ("base (top) | tuned (bottom)"); its tooltips say so too.
    const cells = await readHeatmapCells(page, heatmap(page, 'expert-heatmap'), 'rect', [0.5, 1]);
    expect(cells).toHaveLength(4 * 16);
    expect(cells.filter((c) => !c.lines[1]!.startsWith('tuned ')).map((c) => c.lines.join(' / '))).toEqual([]);
    for (const { layer, experts_by_family } of truth.task_routed_layers) {
      const planted = experts_by_family[family]!;
      const tuned = cells
        .filter((c) => cellOf(c.label).layer === layer)
        .map((c) => ({ expert: cellOf(c.label).expert, value: Number.parseFloat(c.lines[1]!.slice('tuned '.length)) }))
        .sort((a, b) => b.value - a.value);
      expect(tuned).toHaveLength(16);
      expect(tuned.every((t) => Number.isFinite(t.value))).toBe(true);
      expect(
        tuned
          .slice(0, planted.length)
          .map((t) => t.expert)
          .sort((a, b) => a - b),
        `L${layer}`,
      ).toEqual([...planted].sort((a, b) => a - b));
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('the per-token routing strip', () => {
  it('is darkest in its "differ" block at the planted routed layers and white at the untouched layer', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const watch = watchPage(page);
    await page.goto(`${server.url}?view=experts`);
    await settled(page, watch);
    await saveScreenshot(page, 'experts-routing-strip');
    const { block, darkness } = await lowestBlockDarkness(page.locator('figure.chart[data-chart="routing-strip"]'));
    expect(block).toBe('differ');
    expect([...darkness.keys()].sort()).toEqual(['L0', 'L1', 'L2', 'L3']);
    const ranked = [...darkness].sort((a, b) => b[1] - a[1]);
    expect(
      ranked
        .slice(0, 2)
        .map(([l]) => l)
        .sort(),
    ).toEqual(routed);
    // Most tokens of a routed layer change their top-1 expert; none do where nothing differs.
    for (const layer of routed) expect(darkness.get(layer)!, layer).toBeGreaterThan(0.5);
    for (const layer of identical) expect(darkness.get(layer)!, layer).toBeLessThan(0.01);
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});
