import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { overlapChart } from '../../../viewer/src/charts/overlap.ts';
import { routingOverlap, type OverlapCell } from '../../../viewer/src/data/routing-overlap.ts';
import { marksData, overlapTable, svgOf } from './routing-fixtures.ts';

const models = { base: 'base', tuned: 'tuned' };
const fams = ['x', 'y', 'z'];
// Unordered pairs as the pipeline writes them; tuned layer 1 is fully disjoint, base layer 1 has x~y = 1.
const rows = ['base', 'tuned'].flatMap((model) =>
  [0, 1].flatMap((layer) =>
    [
      ['x', 'y'],
      ['x', 'z'],
      ['y', 'z'],
    ].map(([a, b]) => ({
      model,
      layer,
      family_a: a!,
      family_b: b!,
      jaccard: model === 'tuned' && layer === 1 ? 0 : a === 'x' && b === 'y' ? 1 : 0.5,
    })),
  ),
);
const cols = overlapTable(rows);

describe('routingOverlap', () => {
  it('routingOverlap() mirrors each unordered pair into both cells and keeps the table family order', () => {
    const d = routingOverlap(cols, { models });
    expect(d.families).toEqual(fams);
    expect(d.layers).toEqual([0, 1]);
    expect(d.topN).toBe(3);
    const at = (model: string, layer: number, a: string, b: string) =>
      d.cells.find((c) => c.model === model && c.layer === layer && c.a === a && c.b === b)?.jaccard;
    expect([at('base', 1, 'x', 'y'), at('base', 1, 'y', 'x'), at('base', 1, 'z', 'x')]).toEqual([1, 1, 0.5]);
    expect(at('tuned', 1, 'z', 'y')).toBe(0);
    expect(at('base', 0, 'x', 'x')).toBeUndefined(); // no diagonal data
    expect(d.cells).toHaveLength(2 * 2 * 6);
  });

  it('routingOverlap({ layers }) keeps only the asked layers that exist', () => {
    const d = routingOverlap(cols, { models, layers: [1, 7] });
    expect(d.layers).toEqual([1]);
    expect(new Set(d.cells.map((c) => c.layer))).toEqual(new Set([1]));
  });
});

describe('overlapChart', () => {
  const size = { width: 500, height: 300, fontSize: 7 };
  it('cells carry the table Jaccard, printed in the cell, on a fixed 0..1 scale', () => {
    const spec = overlapChart(routingOverlap(cols, { models }), size, { nProbes: 12 });
    const [diagonal, cells] = marksData<OverlapCell>(spec, Plot.Cell);
    expect(diagonal).toHaveLength(2 * 2 * 3);
    expect(cells!.map((c) => c.jaccard)).toEqual(routingOverlap(cols, { models }).cells.map((c) => c.jaccard));
    expect(spec.legend).toMatchObject({ kind: 'ramp', scale: { domain: [0, 1], scheme: 'viridis' } });
    const texts = marksData<OverlapCell>(spec, Plot.Text)[0]!;
    expect(texts).toHaveLength(cells!.length);
    const { document } = parseHTML(`<html><body>${svgOf(spec)}</body></html>`);
    const printed = [...document.querySelectorAll('g[aria-label="text"] text')].map((t) => t.textContent);
    expect(printed.filter((t) => t === '1')).toHaveLength(3 * 2); // x~y and y~x: base L0, base L1, tuned L0
    expect(printed.filter((t) => t === '0')).toHaveLength(6); // tuned layer 1
    const fills = [...document.querySelectorAll('g[aria-label="cell"]')[1]!.querySelectorAll('rect')].map((r) =>
      r.getAttribute('fill'),
    );
    expect(fills[cells!.findIndex((c) => c.jaccard === 1)]).toBe('#fde725');
    expect(fills[cells!.findIndex((c) => c.jaccard === 0)]).toBe('#440154');
    expect(spec.subtitle).toContain('n = 12 probes');
  });

  it('cells are square, one panel per layer and model side by side, and the chart sets its own height', () => {
    const wide = overlapChart(routingOverlap(cols, { models }), { width: 1400, height: 0, fontSize: 11 });
    const { document } = parseHTML(`<html><body>${svgOf(wide)}</body></html>`);
    const rects = [...document.querySelectorAll('g[aria-label="cell"]')[1]!.querySelectorAll('rect')];
    expect(rects.length).toBeGreaterThan(0);
    for (const r of rects)
      expect(Math.abs(Number(r.getAttribute('width')) - Number(r.getAttribute('height')))).toBeLessThan(0.01);
    // Capped at 3.4 font sizes: two layers × two models of 3 families do not stretch over 1,400 px.
    expect(Number(rects[0]!.getAttribute('width'))).toBeLessThanOrEqual(11 * 3.4);
    expect(wide.size.height).toBeGreaterThan(0);
    expect(wide.plot.fx).toMatchObject({ domain: ['L0 · base', 'L0 · tuned', 'L1 · base', 'L1 · tuned'] });
  });

  it('values are not printed in cells too small to hold them', () => {
    const spec = overlapChart(routingOverlap(cols, { models }), { width: 120, height: 200, fontSize: 7 });
    expect(marksData(spec, Plot.Text)).toHaveLength(0);
  });
});
