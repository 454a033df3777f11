import type { Locator, Page } from 'playwright-core';
import { decodePngUrl } from './page-read.ts';

/** One drawn cell of a heatmap: where it is on the page, its fill, and what its tooltip names. */
export interface SeenCell {
  /** The tooltip's first line, e.g. `L1H0` or `L1 E6 · mrcr`. */
  label: string;
  /** Every line of the tooltip. */
  lines: string[];
  x: number;
  y: number;
  rgb: [number, number, number];
}

/** `rgb(r, g, b)` or `#rrggbb`, as Plot writes fills. */
const parseRgb = (fill: string): [number, number, number] => {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(fill);
  const m = hex ?? /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(fill);
  if (m === null) throw new Error(`unexpected fill ${fill}`);
  return [1, 2, 3].map((i) => (hex ? parseInt(m[i]!, 16) : Number(m[i]))) as [number, number, number];
};

/** The lines of the Plot tooltip now shown in `chart` (Plot pads lines with zero-width spaces). */
export async function tipLines(chart: Locator): Promise<string[]> {
  const tspans = chart.locator('g[aria-label="tip"] tspan');
  await tspans.first().waitFor({ state: 'attached', timeout: 5000 });
  return (await tspans.allTextContents()).map((t) => t.replace(/[\u200b-\u200d\ufeff]/g, '').trim());
}

/** The first line of the Plot tooltip now shown in `chart`. */
export const tipLine = async (chart: Locator): Promise<string> => (await tipLines(chart))[0]!;

/**
 * Every data cell of a Plot heatmap chart (its first `mark` group: Plot `cell` or `rect`), each
 * named by the tooltip the user sees when the pointer is over it. The pointer moves are sent in
 * the page (one round trip for the whole grid); the tooltip is Plot's own, drawn for each move.
 */
export async function readHeatmapCells(
  page: Page,
  chart: Locator,
  mark = 'cell',
  /** Keeps only cells whose centre lies in this vertical share of the mark's extent, e.g. [0.5, 1] = lower half. */
  rows: [number, number] = [0, 1],
): Promise<SeenCell[]> {
  const seen = await chart.evaluate(
    async (figure, { mark, rows }) => {
      const svg = figure.querySelector('.canvas > svg > svg')!;
      const group = svg.querySelector(`g[aria-label="${mark}"]`)!;
      const extent = group.getBoundingClientRect();
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const out: { lines: string[]; x: number; y: number; fill: string }[] = [];
      for (const rect of group.querySelectorAll('rect')) {
        const box = rect.getBoundingClientRect();
        const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
        const share = (y - extent.top) / extent.height;
        if (share < rows[0] || share > rows[1]) continue;
        const init = { bubbles: true, clientX: x, clientY: y, pointerType: 'mouse', isPrimary: true };
        rect.dispatchEvent(new PointerEvent('pointerenter', init));
        rect.dispatchEvent(new PointerEvent('pointermove', init));
        await frame();
        const tspans = [...svg.querySelectorAll('g[aria-label="tip"] tspan')];
        out.push({ lines: tspans.map((t) => t.textContent ?? ''), x, y, fill: rect.getAttribute('fill') ?? '' });
      }
      svg.dispatchEvent(new PointerEvent('pointerleave', { bubbles: true }));
      return out;
    },
    { mark, rows },
  );
  return seen.map((c) => {
    const lines = c.lines.map((t) => t.replace(/[\u200b-\u200d\ufeff]/g, '').trim());
    if (lines.length === 0) throw new Error(`no tooltip at (${c.x}, ${c.y})`);
    return { label: lines[0]!, lines, x: c.x, y: c.y, rgb: parseRgb(c.fill) };
  });
}

/** The colours of a chart's legend ramp, left (lowest value) to right, as drawn. */
export async function legendRamp(chart: Locator): Promise<[number, number, number][]> {
  const fills = await chart.locator('.canvas > svg > g g[aria-label="rect"] rect').evaluateAll((rects) =>
    rects
      .map((r) => ({ x: Number(r.getAttribute('x')), fill: r.getAttribute('fill') ?? '' }))
      .sort((a, b) => a.x - b.x)
      .map((r) => r.fill),
  );
  return fills.map(parseRgb);
}

/**
 * Where a cell's colour sits on the legend ramp: 0 = the left end (most negative Δ, blue),
 * 1 = the right end (most positive, red) — the position of the ramp colour nearest to its fill.
 */
export function rampPosition(c: SeenCell, ramp: [number, number, number][]): number {
  let best = 0;
  let bestD = Infinity;
  ramp.forEach((r, i) => {
    const d = (r[0] - c.rgb[0]) ** 2 + (r[1] - c.rgb[1]) ** 2 + (r[2] - c.rgb[2]) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  });
  return best / (ramp.length - 1);
}

/**
 * Mean darkness (0 white … 1 black) of the routing strip's raster along each labelled row, for the
 * layer labels (`L0`, `L1`, …) of the block drawn lowest — the "differ" block of a pair — read
 * where the labels sit on screen.
 */
export async function lowestBlockDarkness(chart: Locator): Promise<{ block: string; darkness: Map<string, number> }> {
  const seen = await chart.locator('.canvas > svg').evaluate((svg) => {
    const img = svg.querySelector('image')!;
    const r = img.getBoundingClientRect();
    const labels = [...svg.querySelectorAll('text')]
      .filter((t) => /^L\d+$/.test(t.textContent ?? ''))
      .map((t) => {
        const b = t.getBoundingClientRect();
        return { text: t.textContent!, y: b.top + b.height / 2 };
      });
    const blocks = [...svg.querySelectorAll('g[font-weight="bold"] text')].map((t) => ({
      text: t.textContent!,
      y: t.getBoundingClientRect().top,
    }));
    return { top: r.top, height: r.height, href: img.getAttribute('href')!, labels, blocks };
  });
  const png = decodePngUrl(seen.href);
  const layers = new Set(seen.labels.map((l) => l.text)).size;
  const lowest = [...seen.labels].sort((a, b) => a.y - b.y).slice(-layers);
  const out = new Map<string, number>();
  for (const l of lowest) {
    const row = Math.floor(((l.y - seen.top) / seen.height) * png.height);
    let dark = 0;
    for (let c = 0; c < png.width; c++) dark += (255 - png.data[(row * png.width + c) * png.channels]!) / 255;
    out.set(l.text, dark / png.width);
  }
  const block = [...seen.blocks].sort((a, b) => a.y - b.y).at(-1)?.text ?? '';
  return { block, darkness: out };
}
