import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewServer } from '../../analysis/view/server.ts';
import { fixtureRuns } from './fixture-runs.ts';
import { legendRamp, rampPosition, readHeatmapCells, tipLine, type SeenCell } from './grid-read.ts';
import { launchChromium, saveScreenshot, serveRun, settled, watchPage, type PageWatch } from './harness.ts';

/**
 * The Attention view on the reference-pair fixture: the planted retrieval heads are what a user
 * sees stand out in the Δ grid, clicking a head selects it everywhere and in the URL, and a
 * reload restores that selection.
 */
const truth = JSON.parse(readFileSync('models/reference-pair/ground-truth.json', 'utf8')) as {
  evidence_retrieval_heads: { layer: number; head: number }[];
  graphwalks: { heads: { layer: number; head: number }[] };
};
const planted = truth.evidence_retrieval_heads.map((h) => `L${h.layer}H${h.head}`).sort();
/** The GraphWalks graph head: planted too, but it lifts only GraphWalks probes, so it is red, less so. */
const graphHeads = truth.graphwalks.heads.map((h) => `L${h.layer}H${h.head}`);

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

async function open(query: string): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const watch = watchPage(page);
  await page.goto(`${server.url}${query}`);
  await settled(page, watch);
  return { page, watch };
}

const chart = (page: Page, id: string) => page.locator(`figure.chart[data-chart="${id}"]`);
const chartTitle = (page: Page, id: string) => chart(page, id).locator('.canvas > svg > text').first().textContent();
const headOf = (c: SeenCell) => c.label.split(' ')[0]!;

describe('the Δ head grid', () => {
  it('shows the planted retrieval heads as its two most-red cells, then the GraphWalks graph head, well above every other head', async () => {
    const { page, watch } = await open('?view=attention');
    const grid = chart(page, 'head-grid-delta');
    const cells = await readHeatmapCells(page, grid);
    expect(cells).toHaveLength(16); // the reference pair: 4 layers × 4 heads
    const ramp = await legendRamp(grid);
    expect(ramp.length).toBeGreaterThan(20);
    // Position on the legend's Δ ramp, centred: −0.5 = most blue, 0 = no change, +0.5 = most red.
    const red = (c: SeenCell) => rampPosition(c, ramp) - 0.5;
    const ranked = [...cells].sort((a, b) => red(b) - red(a));
    expect(ranked.slice(0, 2).map(headOf).sort()).toEqual(planted);
    // They stand out: both near the red end; the graph head next, visibly red; every other head at most a fifth of the way there.
    expect(red(ranked[1]!)).toBeGreaterThan(0.4);
    const rest = ranked.slice(2);
    for (const g of graphHeads) {
      const cell = rest.find((c) => headOf(c) === g)!;
      expect(red(cell), g).toBeGreaterThan(0.1);
      expect(red(cell), g).toBeLessThan(red(ranked[1]!));
    }
    for (const other of rest.filter((c) => !graphHeads.includes(headOf(c))))
      expect(Math.abs(red(other)), headOf(other)).toBeLessThan(0.1);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('clicking L1H0 updates the strip and the URL; reloading that URL restores grid selection and strip', async () => {
    const { page, watch } = await open('?view=attention');
    const pairGrid = chart(page, 'head-grid');
    const outlined = () => pairGrid.locator('.canvas > svg g[aria-label="cell"]').nth(1).locator('rect').count();
    expect(await outlined()).toBe(0);
    const cells = await readHeatmapCells(page, chart(page, 'head-grid-delta'));
    const target = cells.find((c) => headOf(c) === 'L1H0')!;
    await page.mouse.click(target.x, target.y);
    await settled(page, watch);
    const check = async () => {
      expect(new URL(page.url()).searchParams.get('layer')).toBe('1');
      expect(new URL(page.url()).searchParams.get('head')).toBe('0');
      expect(await page.locator('.controls .selected').first().textContent()).toContain('selected: L1H0');
      expect(await chartTitle(page, 'context-overview')).toBe('Whole context · L1H0 · drag to zoom');
      expect(await chartTitle(page, 'attention-strip')).toMatch(/^Attention of L1H0 over the context/);
      // The base | tuned grid outlines the selected head in both panels, and only that head.
      expect(await outlined()).toBe(2);
      const marked = await pairGrid.locator('.canvas > svg g[aria-label="cell"]').nth(1).locator('rect').all();
      for (const rect of marked) {
        const box = (await rect.boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        expect(await tipLine(pairGrid)).toMatch(/^L1H0 · (base|tuned)$/);
      }
    };
    await check();
    await saveScreenshot(page, 'attention-L1H0-selected');
    expect(page.url()).toMatch(/[?&]layer=1&head=0(&|$)/);
    await page.reload();
    await settled(page, watch);
    await check();
    await saveScreenshot(page, 'attention-L1H0-reloaded');
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});
