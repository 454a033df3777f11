import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { expertHeatmapChart, heatmapRows, RASTER_CELLS } from '../../../viewer/src/charts/expert-heatmap.ts';
import { chartLayout, frameOf } from '../../../viewer/src/charts/render.ts';
import { expertUsage } from '../../../viewer/src/data/routing-experts.ts';
import { expertGrid, marksData, svgOf } from './routing-fixtures.ts';

const models = { base: 'base', tuned: 'tuned' };
const size = { width: 500, height: 300, fontSize: 7 };
const VIRIDIS_LOW = [68, 1, 84, 255];
const VIRIDIS_HIGH = [253, 231, 37, 255];
const RDBU_BLUE_END = [5, 48, 97, 255];

/** Small grid (4 layers × 16 experts, the reference pair): tuned puts 0.4 on expert 2·layer of family "f". */
const small = expertUsage(
  expertGrid(['base', 'tuned'], ['f'], 4, 16, (m, _f, l, e) => (m === 'tuned' ? (e === 2 * l ? 0.4 : 0.04) : 1 / 16)),
  { family: 'f', measure: 'frequency', models, nProbes: 6 },
);
/** Qwen3-30B-A3B shape: 48 × 128; tuned layer 20 puts 0.25 on expert 5 and nothing on expert 6. */
const big = expertUsage(
  expertGrid(['base', 'tuned'], ['f'], 48, 128, (m, _f, l, e) =>
    m === 'tuned' && l === 20 ? (e === 5 ? 0.25 : e === 6 ? 0 : 0.75 / 126) : 1 / 128,
  ),
  { family: 'f', measure: 'frequency', models, nProbes: 64 },
);

type Cell = { panel: string; layer: number; expert: number; value: number };
const pixel = (spec: ReturnType<typeof expertHeatmapChart>, row: number, col: number) =>
  Array.from(
    spec.raster!.rgba.subarray((row * spec.raster!.columns + col) * 4, (row * spec.raster!.columns + col) * 4 + 4),
  );

describe('expertHeatmapChart', () => {
  it('small grids are Plot cells whose values are the table values, base then tuned', () => {
    const spec = expertHeatmapChart(small, size, { panel: 'pair' });
    expect(spec.raster).toBeUndefined();
    const cells = marksData<Cell>(spec, Plot.Rect)[0]!;
    expect(cells).toHaveLength(2 * 4 * 16);
    for (const c of cells) {
      const want = c.panel === 'tuned' ? (c.expert === 2 * c.layer ? 0.4 : 0.04) : 1 / 16;
      expect(c.value).toBeCloseTo(want, 6);
    }
    expect(spec.legend).toMatchObject({ kind: 'ramp', scale: { type: 'linear', scheme: 'viridis' } });
    expect(spec.legend!.kind === 'ramp' && spec.legend!.scale.domain[1]).toBeCloseTo(0.4, 6);
  });

  it('a rendered cell is drawn in the colour of its value (viridis ends at 0 and at the maximum)', () => {
    const spec = expertHeatmapChart(small, size, { panel: 'pair', scale: 'linear' });
    const { document } = parseHTML(`<html><body>${svgOf(spec)}</body></html>`);
    const rects = [...document.querySelector('g[aria-label="rect"]')!.querySelectorAll('rect')];
    const cells = marksData<Cell>(spec, Plot.Rect)[0]!;
    expect(rects).toHaveLength(cells.length);
    const hot = cells.findIndex((c) => c.panel === 'tuned' && c.layer === 3 && c.expert === 6);
    expect(rects[hot]!.getAttribute('fill')).toBe('#fde725');
    const zeroScale = expertHeatmapChart({ ...small, base: small.base.map(() => 0) }, size, { panel: 'pair' });
    const { document: d2 } = parseHTML(`<html><body>${svgOf(zeroScale)}</body></html>`);
    expect(d2.querySelector('g[aria-label="rect"] rect')!.getAttribute('fill')).toBe('#440154');
  });

  it(`grids above ${RASTER_CELLS} cells per panel are one raster; a known cell's pixel has its value's colour`, () => {
    const spec = expertHeatmapChart(big, size, { panel: 'pair' });
    expect(marksData<Cell>(spec, Plot.Rect).every((d) => d.length < 100)).toBe(true); // no per-cell marks
    const frameH = chartLayout(spec).plotH - (spec.plot.marginTop as number) - (spec.plot.marginBottom as number);
    const g = heatmapRows(48, 2, frameH, size.fontSize * 1.5);
    expect(spec.raster).toMatchObject({ columns: 128, rows: g.rows });
    const tunedRow = (l: number) => 48 * g.k + g.gapRows + l * g.k;
    expect(pixel(spec, tunedRow(20), 5)).toEqual(VIRIDIS_HIGH); // 0.25 is the maximum
    expect(pixel(spec, tunedRow(20) + g.k - 1, 6)).toEqual(VIRIDIS_LOW); // 0 at the domain's low end
    expect(pixel(spec, 20 * g.k, 5)).toEqual(pixel(spec, 0, 0)); // base: uniform everywhere
    if (g.gapRows > 0) expect(pixel(spec, 48 * g.k, 0)[3]).toBe(0); // the gap between panels is empty
  });

  it('raster rows and the y scale agree: each layer row starts where its y interval starts', () => {
    const spec = expertHeatmapChart(big, size, { panel: 'pair' });
    const frame = frameOf(spec, chartLayout(spec).plotH);
    const g = heatmapRows(48, 2, frame.height, size.fontSize * 1.5);
    const [, total] = (spec.plot.y as { domain: [number, number] }).domain;
    for (const [panel, layer] of [
      [0, 0],
      [0, 47],
      [1, 0],
      [1, 20],
      [1, 47],
    ] as const) {
      const yFrac = (panel * g.step + layer) / total;
      const rowFrac = (panel * (48 * g.k + g.gapRows) + layer * g.k) / spec.raster!.rows;
      expect(yFrac).toBeCloseTo(rowFrac, 9);
    }
  });

  it('locate() maps a frame position to the layer, expert and panel under it', () => {
    const spec = expertHeatmapChart(big, size, { panel: 'pair' });
    const [, total] = (spec.plot.y as { domain: [number, number] }).domain;
    const frame = frameOf(spec, chartLayout(spec).plotH);
    const g = heatmapRows(48, 2, frame.height, size.fontSize * 1.5);
    const hit = spec.locate!((5 + 0.5) / 128, (g.step + 20 + 0.5) / total);
    expect(hit?.pick).toEqual({ family: 'f', layer: 20, expert: 5 });
    expect(hit?.text).toContain('tuned 0.250');
    expect(hit?.text).toContain('L20 E5');
    if (g.gapRows > 0) expect(spec.locate!(0.5, (48 + (g.step - 48) / 2) / total)).toBeNull();
    expect(spec.locate!(0.5, (0.5 + 3) / total)?.pick).toEqual({ family: 'f', layer: 3, expert: 64 });
  });

  it('the Δ panel is tuned − base on a symmetric diverging scale centred at 0', () => {
    const spec = expertHeatmapChart(big, size, { panel: 'delta' });
    const scale = spec.legend!.kind === 'ramp' ? spec.legend!.scale : null;
    const m = 0.25 - 1 / 128;
    expect(scale?.type).toBe('diverging');
    expect(scale?.domain[0]).toBeCloseTo(-m, 6);
    expect(scale?.domain[1]).toBeCloseTo(m, 6);
    expect(spec.plot.color).toMatchObject({ pivot: 0, symmetric: true });
    expect(spec.raster!.rows % 48).toBe(0); // one panel, no gap
    const k = spec.raster!.rows / 48;
    // expert 6 of layer 20 fell from 1/128 to 0: the most negative Δ is only −1/128, not the blue end
    const fell = pixel(spec, 20 * k, 6);
    expect(fell[2]).toBeGreaterThan(fell[0]!); // bluish
    expect(pixel(spec, 20 * k, 5)).toEqual([103, 0, 31, 255]); // +m: the red end of RdBu
    const neutral = pixel(spec, 0, 0); // Δ = 0
    expect(Math.max(...neutral.slice(0, 3)) - Math.min(...neutral.slice(0, 3))).toBeLessThan(8);
    const mirrored = expertHeatmapChart({ ...big, delta: big.delta.map((v) => -v) }, size, { panel: 'delta' });
    expect(pixel(mirrored, 20 * k, 5)).toEqual(RDBU_BLUE_END);
  });

  it('marked layers are outlined in both panels when rows are tall, pointed at from the margin when thin', () => {
    const tall = expertHeatmapChart(small, size, { panel: 'pair', marked: [{ layer: 1, label: 'planted' }] });
    const outlines = marksData<{ y0: number; label: string }>(tall, Plot.Rect)[1]!;
    expect(outlines.map((o) => o.label)).toEqual(['planted', 'planted']);
    expect(outlines[0]!.y0).toBe(1);
    expect(outlines[1]!.y0).toBeGreaterThan(4);
    const thin = expertHeatmapChart(
      big,
      { width: 240, height: 190, fontSize: 7 },
      {
        panel: 'pair',
        marked: [{ layer: 20, label: 'sel.' }],
      },
    );
    const texts = marksData<{ label: string }>(thin, Plot.Text).flat();
    expect(marksData(thin, Plot.Rect).flat()).toHaveLength(0);
    expect(texts.filter((t) => t.label === 'sel.')).toHaveLength(2);
    expect(svgOf(thin)).toContain('◂ sel.');
  });

  it('title, subtitle with the sample size, axis labels and the legend reach the SVG', () => {
    const svg = svgOf(expertHeatmapChart(big, size, { panel: 'pair' }));
    expect(svg).toContain('Expert selection frequency per layer');
    expect(svg).toContain('n = 64 probes');
    expect(svg).toContain('selection frequency (share of top-k picks)');
    expect(svg).toMatch(/>expert</);
    expect(svg).toMatch(/>layer</);
    expect(svg).toContain('<image');
  });

  it('a picked cell selects its family, layer and expert', () => {
    const spec = expertHeatmapChart(small, size, { panel: 'pair' });
    const cell = marksData<Cell>(spec, Plot.Rect)[0]!.find((c) => c.layer === 2 && c.expert === 9)!;
    expect(spec.pick!(cell)).toEqual({ family: 'f', layer: 2, expert: 9 });
  });

  it('Δ cells that carry a quarter of the scale or more say their sign in text, for greyscale print', () => {
    const spec = expertHeatmapChart(small, size, { panel: 'delta' });
    const signs = marksData<Cell>(spec, Plot.Text)[0]!;
    // tuned − base: +0.4 − 1/16 on expert 2·layer, 0.04 − 1/16 (≈ −0.02, below a quarter) elsewhere
    expect(signs.map((c) => [c.layer, c.expert])).toEqual([
      [0, 0],
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    const svg = svgOf(spec);
    expect(svg.match(/>\+</g)).toHaveLength(4);
    expect(spec.subtitle).toContain('+ / −');
    const raster = expertHeatmapChart(big, size, { panel: 'delta' });
    expect(marksData(raster, Plot.Text).flat()).toHaveLength(0);
    expect(raster.subtitle).not.toContain('+ / −');
  });
});
