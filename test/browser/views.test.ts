import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewServer } from '../../analysis/view/server.ts';
import { fixtureRuns, type FixtureRuns } from './fixture-runs.ts';
import { launchChromium, saveScreenshot, serveRun, settled, watchPage } from './harness.ts';
import { decodePngUrl, distinctColours, readCharts, type ChartContent } from './page-read.ts';

/**
 * Every view of the viewer on the reference-pair fixture run, in real Chromium: its charts are
 * drawn (marks, non-blank rasters), carry the expected titles and axis labels, and the page shows
 * no error panel and logs no console error or warning. Screenshots go to tmp/browser-artifacts/.
 */
const FAMILIES = ['mrcr', 'graphwalks', 'acc_search', 'acc_swe', 'acc_sql'];

let runs: FixtureRuns;
let server: ViewServer;
let browser: Browser;
let topHead: { layer: number; head: number };

beforeAll(async () => {
  runs = await fixtureRuns();
  [server, browser] = await Promise.all([serveRun(runs.pair), launchChromium()]);
  const summary = JSON.parse(readFileSync(join(runs.pair, 'metrics', 'summary.json'), 'utf8')) as {
    attention: { top_heads: { layer: number; head: number }[] };
  };
  topHead = summary.attention.top_heads[0]!;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(view: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const watch = watchPage(page);
  await page.goto(`${server.url}?view=${view}`);
  await settled(page, watch);
  await saveScreenshot(page, `view-${view}`);
  const charts = await readCharts(page);
  const errorPanels = await page.locator('[data-error]').count();
  const text = await page.locator('main').innerText();
  await page.close();
  return { charts, errorPanels, text, problems: watch.problems };
}

/** A chart is drawn when it has marks, and every raster it holds is a PNG with more than one colour. */
function expectDrawn(chart: ChartContent): void {
  expect(chart.rects + chart.paths + chart.images.length, `${chart.id} has marks`).toBeGreaterThan(0);
  for (const url of chart.images) {
    const png = decodePngUrl(url);
    expect(png.width * png.height, `${chart.id} raster size`).toBeGreaterThan(0);
    expect(distinctColours(png), `${chart.id} raster is not blank`).toBeGreaterThan(1);
  }
}

const chartText = (charts: ChartContent[], id: string): string => {
  const chart = charts.find((c) => c.id === id);
  expect(chart, `chart ${id} is on the page (found: ${charts.map((c) => c.id).join(', ')})`).toBeDefined();
  return chart!.texts.join('\n');
};

describe('each view renders on a reference-pair run', () => {
  it('?view=overview draws the headline forests with their labels and the provenance', async () => {
    const { charts, errorPanels, text, problems } = await open('overview');
    expect(problems).toEqual([]);
    expect(errorPanels).toBe(0);
    charts.forEach(expectDrawn);
    expect(chartText(charts, 'overview-top-heads')).toContain('Heads whose evidence lift changed most');
    expect(chartText(charts, 'overview-top-heads')).toContain('Δ evidence lift (× uniform)');
    expect(chartText(charts, 'overview-attention-layers')).toContain('Most-changed attention layers per task');
    const routing = chartText(charts, 'overview-routing-layers');
    expect(routing).toContain('JS divergence (bits)');
    for (const family of FAMILIES) expect(routing).toContain(family);
    expect(chartText(charts, 'overview-mi-gain')).toContain('Δ I(task; expert) (bits)');
    expect(text).toContain('Layers and heads are chosen on one half of the probes');
    expect(text).toMatch(/model base\s/);
    expect(text).toMatch(/model tuned\s/);
    expect(text).toContain('No unit was skipped.');
  });

  it('?view=attention draws the head grids, layer and distance charts, and the probe strip', async () => {
    const { charts, errorPanels, text, problems } = await open('attention');
    expect(problems).toEqual([]);
    expect(errorPanels).toBe(0);
    charts.forEach(expectDrawn);
    const grid = chartText(charts, 'head-grid');
    expect(grid).toContain('evidence lift (× uniform) per head');
    for (const label of ['base', 'tuned', 'head', 'layer']) expect(grid).toContain(label);
    const delta = chartText(charts, 'head-grid-delta');
    expect(delta).toContain('Δ evidence lift (× uniform) per head');
    expect(delta).toContain('Δ evidence lift (× uniform), tuned − base');
    expect(chartText(charts, 'lift-layers')).toContain('Evidence lift (× uniform) per layer');
    expect(chartText(charts, 'distance-profiles')).toContain('query–key distance (tokens, log-spaced bins)');
    const head = `L${topHead.layer}H${topHead.head}`;
    expect(chartText(charts, 'context-overview')).toContain(`Whole context · ${head} · drag to zoom`);
    const strip = chartText(charts, 'attention-strip');
    expect(strip).toContain(`Attention of ${head} over the context`);
    for (const label of ['segments', 'base', 'tuned', 'token position', 'evidence']) expect(strip).toContain(label);
    expect(chartText(charts, 'segment-mass')).toContain('attention mass (probability)');
    for (const family of FAMILIES) expect(text).toContain(family);
  });

  it('?view=experts draws the usage heatmaps, top experts, MI, agreement, overlap and the routing strip', async () => {
    const { charts, errorPanels, problems } = await open('experts');
    expect(problems).toEqual([]);
    expect(errorPanels).toBe(0);
    charts.forEach(expectDrawn);
    const heat = chartText(charts, 'expert-heatmap');
    expect(heat).toContain('Expert selection frequency per layer');
    for (const label of ['base', 'tuned', 'expert', 'layer', 'most changed']) expect(heat).toContain(label);
    expect(chartText(charts, 'expert-heatmap-delta')).toContain('Δ selection frequency, tuned − base');
    expect(chartText(charts, 'top-experts')).toMatch(/Top-\d+ experts of the most-changed layers/);
    for (const family of FAMILIES) expect(chartText(charts, 'top-experts')).toContain(family);
    expect(chartText(charts, 'mi-layers')).toContain('I(task; expert) per layer');
    expect(chartText(charts, 'agreement')).toContain('Routing agreement per layer');
    expect(chartText(charts, 'agreement')).toContain('evidence tokens');
    const overlap = chartText(charts, 'overlap');
    expect(overlap).toMatch(/Top-\d+ expert overlap between tasks/);
    for (const family of FAMILIES) expect(overlap).toContain(family);
    const strip = chartText(charts, 'routing-strip');
    expect(strip).toContain('Expert routing per token');
    for (const label of ['segments', 'base', 'tuned', 'differ', 'L0', 'token position', 'top-1 differs'])
      expect(strip).toContain(label);
    expect(charts.find((c) => c.id === 'routing-strip')!.images).toHaveLength(1);
  });

  it('?view=probes lists every probe with its family and draws the behaviour chart', async () => {
    const { charts, errorPanels, text, problems } = await open('probes');
    expect(problems).toEqual([]);
    expect(errorPanels).toBe(0);
    charts.forEach(expectDrawn);
    expect(chartText(charts, 'behaviour-link')).toContain('Answer log-prob against evidence lift');
    const ids = (
      readFileSync(join(runs.pair, '..', 'probes.jsonl'), 'utf8')
        .trim()
        .split('\n') as string[]
    ).map((l) => (JSON.parse(l) as { id: string }).id);
    for (const id of ids) expect(text).toContain(id);
    expect(text).toContain(`${ids.length} of ${ids.length} probes`);
    for (const family of FAMILIES) expect(text).toContain(family);
  });
});
