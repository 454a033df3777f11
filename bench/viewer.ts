// The viewer in headless Chromium on a synthetic run of Qwen3-30B-A3B shape (bench/viewer-run.ts):
// Overview first render, opening one probe's strips, routing-strip redraw on brush moves, layer ×
// expert heatmap redraw, and memory with one probe open. Numbers go to bench/results/viewer.json;
// nothing here is asserted.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startViewServer } from '../analysis/view/server.ts';
import { ensureViewerBuilt } from '../analysis/view/viewer-build.ts';
import {
  chromiumRss,
  arm,
  lastInput,
  median,
  navigationTimes,
  pageHeap,
  renderMs,
  round,
  TIMING_SCRIPT,
  titleIs,
  until,
} from './viewer-page.ts';
import { PROBES, SHAPE, TOKENS, viewerRun, type ViewerRun } from './viewer-run.ts';

const CHROMIUM = process.env.ACC_LENS_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];
const MORE_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1400, height: 1000 };
/** Quick iterations: BENCH_VIEWER_REPEATS=1 and BENCH_VIEWER_ONLY=overview,attention,experts,heatmap,brush (a subset). */
const REPEATS = Number(process.env.BENCH_VIEWER_REPEATS ?? 3);
const ONLY = process.env.BENCH_VIEWER_ONLY?.split(',') ?? null;
const doing = (part: string) => ONLY === null || ONLY.includes(part);

async function newPage(browser: Browser, url: string, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.addInitScript(TIMING_SCRIPT);
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  return page;
}

/** Overview: navigation start → first forest chart painted, and the same counted from the load event. */
async function overview(browser: Browser, url: string, problems: string[]) {
  const runs = [];
  for (let i = 0; i < REPEATS + 1; i++) {
    const page = await newPage(browser, `${url}?view=overview`, problems);
    const mark = await until(
      page,
      'overview',
      `document.querySelector('figure.chart[data-chart="overview-top-heads"] svg') !== null`,
    );
    const nav = await navigationTimes(page);
    if (i > 0) runs.push({ from_navigation_ms: mark.painted, after_load_ms: mark.painted - nav.load });
    await page.close();
  }
  return {
    first_render_after_load_ms: round(median(runs.map((r) => r.after_load_ms))),
    first_render_from_navigation_ms: round(median(runs.map((r) => r.from_navigation_ms))),
    target_after_load_ms: 1000,
    repeats: runs.length,
    note: 'median of fresh page loads after one warm-up; "after load" counts from the load event to the first frame painted with the charts',
  };
}

/** One probe's strips: with probe A shown, choose probe B in the menu → B's strip painted (each repeat a fresh page). */
async function openProbe(
  browser: Browser,
  url: string,
  view: 'attention' | 'experts',
  a: string,
  b: string,
  problems: string[],
) {
  const chart = view === 'attention' ? 'attention-strip' : 'routing-strip';
  const switched: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const page = await newPage(browser, `${url}?view=${view}&probe=${a}`, problems);
    cold.push((await until(page, `cold${i}`, titleIs(chart, a))).painted);
    const opened = await arm(page, `open${i}`, titleIs(chart, b));
    await page.locator('select[aria-label="probe"]').selectOption(b);
    const done = await opened();
    switched.push(done.painted - (await lastInput(page)));
    await page.close();
  }
  return {
    chart,
    open_other_probe_ms: round(median(switched)),
    open_from_navigation_ms: round(median(cold)),
    all_open_ms: switched.map(round),
  };
}

/** Brush moves over the whole-context strip, each redrawing the 48 × 16k routing strip. */
async function brushRedraws(page: Page) {
  const brush = page.locator('figure.chart[data-chart="context-overview"] svg.brush');
  await brush.scrollIntoViewIfNeeded();
  const box = (await brush.boundingBox())!;
  const x = (t: number) => box.x + (t / TOKENS) * box.width;
  const y = box.y + box.height / 2;
  // Each window starts outside the previous one, so every drag draws a new selection.
  const windows = [
    [400, 15_800],
    [15_900, 16_300],
    [200, 8_200],
    [9_000, 13_000],
    [300, 2_300],
    [12_000, 16_000],
    [1_000, 1_900],
    [6_000, 14_000],
  ];
  const trials = [];
  for (const [k, [a, b]] of windows.entries()) {
    await page.mouse.move(x(a!), y);
    await page.mouse.down();
    await page.mouse.move(x(b!), y, { steps: 4 });
    // Done when the strip's subtitle names a new window, the one now in the URL (the subtitle may wrap: join its lines).
    const before = new URL(page.url()).searchParams.get('w');
    const marked = await arm(
      page,
      `brush${k}`,
      `(() => { const w = new URLSearchParams(location.search).get('w'); const t = [...document.querySelectorAll('figure.chart[data-chart="routing-strip"] .canvas > svg > text')].map((e) => e.textContent).join(' '); return w !== null && w !== ${JSON.stringify(before)} && t.includes('tokens ' + w.replace('-', '–')); })()`,
    );
    await page.mouse.up();
    const mark = await marked();
    trials.push({
      window_tokens: b! - a!,
      render_ms: await renderMs(page, 'routing-strip'),
      mouseup_to_paint_ms: round(mark.painted - (await lastInput(page))),
    });
  }
  return {
    render_ms_median: round(median(trials.map((t) => t.render_ms))),
    render_ms_max: Math.max(...trials.map((t) => t.render_ms)),
    mouseup_to_paint_ms_median: round(median(trials.map((t) => t.mouseup_to_paint_ms))),
    mouseup_to_paint_ms_max: Math.max(...trials.map((t) => t.mouseup_to_paint_ms)),
    target_ms: 50,
    trials,
    note: "render_ms: the chart card's data-render-ms (renderChart: pooling, raster, PNG encode, Plot); mouseup_to_paint: brush release → first frame painted with the new strip (includes the Svelte update of every chart that follows the window)",
  };
}

/** The 48 × 128 layer × expert heatmaps (base | tuned and Δ), redrawn by switching the usage measure. */
async function heatmapRedraws(page: Page) {
  const order = ['gate_usage', 'top1_frequency', 'frequency', 'gate_usage', 'top1_frequency', 'frequency'];
  const title = { frequency: 'selection frequency', gate_usage: 'gate usage', top1_frequency: 'top-1 frequency' };
  const trials = [];
  for (const [k, usage] of order.entries()) {
    const marked = await arm(
      page,
      `heat${k}`,
      titleIs('expert-heatmap-delta', `Δ expert ${title[usage as keyof typeof title]}`),
    );
    await page.locator('select[aria-label="usage"]').selectOption(usage);
    const mark = await marked();
    trials.push({
      usage,
      pair_render_ms: await renderMs(page, 'expert-heatmap'),
      delta_render_ms: await renderMs(page, 'expert-heatmap-delta'),
      change_to_paint_ms: round(mark.painted - (await lastInput(page))),
    });
  }
  return {
    pair_render_ms_median: round(median(trials.map((t) => t.pair_render_ms))),
    delta_render_ms_median: round(median(trials.map((t) => t.delta_render_ms))),
    change_to_paint_ms_median: round(median(trials.map((t) => t.change_to_paint_ms))),
    trials,
    note: 'change_to_paint includes re-deriving the usage matrices and redrawing the top-experts chart, which follows the same setting',
  };
}

/** `npm run bench -- viewer`. */
export async function benchViewer(): Promise<Record<string, unknown>> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench viewer needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return measureViewer(await viewerRun());
}

/** Serves `run` with a current viewer build and takes every measurement in one Chromium. */
export async function measureViewer(run: ViewerRun): Promise<Record<string, unknown>> {
  // BENCH_VIEWER_DIST: measure another build as it is (e.g. an older commit's, for a comparison under the same load).
  const dist = process.env.BENCH_VIEWER_DIST ?? resolve('tmp', 'bench-viewer', 'dist');
  if (process.env.BENCH_VIEWER_DIST === undefined)
    await ensureViewerBuilt({ distDir: dist, write: (s) => process.stderr.write(s) });
  const server = await startViewServer({ runDir: run.dir, assetsDir: dist, port: 0, log: () => {} });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...MORE_ARGS] });
  const problems: string[] = [];
  const url = server.url.replace(/\/$/, '/');
  const [a, b] = run.opened as [string, string];
  const say = (what: string) => process.stderr.write(`   ${what}\n`);
  try {
    say('overview first render');
    const first = doing('overview') ? await overview(browser, url, problems) : null;
    say('open a probe: attention');
    const attention = doing('attention') ? await openProbe(browser, url, 'attention', a, b, problems) : null;
    say('open a probe: experts');
    const experts = doing('experts') ? await openProbe(browser, url, 'experts', a, b, problems) : null;
    // One page with one probe open in the Experts view: brush, heatmaps, then memory.
    const page = await newPage(browser, `${url}?view=experts&probe=${b}`, problems);
    await until(page, 'ready', titleIs('routing-strip', b));
    say('layer × expert heatmap redraws');
    const heatmaps = doing('heatmap') ? await heatmapRedraws(page) : null;
    say('routing strip redraws on brush moves');
    const brush = doing('brush') ? await brushRedraws(page) : null;
    const memory = { page: await pageHeap(page), chromium_rss: chromiumRss() };
    await page.close();
    return {
      run: {
        shape: { ...SHAPE, model: 'Qwen3-30B-A3B' },
        probes: PROBES,
        tokens_per_probe: TOKENS,
        models: ['base', 'tuned'],
        probes_with_part_files: run.opened,
        build_seconds: run.seconds ?? 'reused from tmp/bench-viewer/',
        files_mb: run.files,
      },
      overview: first,
      open_probe: { attention, experts },
      routing_strip_brush: brush,
      expert_heatmap_48x128: heatmaps,
      memory_one_probe_open: {
        ...memory,
        note: "after the Experts view opened one 16k probe (routing of 48 layers × 2 models decoded in the worker, strips drawn) and the brush/heatmap trials; page heap after a forced GC (the worker's heap is not in it, the renderer RSS is)",
      },
      console_problems: problems,
      chromium: (await browser.version()) || null,
      viewport: VIEWPORT,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
