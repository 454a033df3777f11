import { describe, expect, it } from 'vitest';
import { distanceProfiles, layerMeans } from '../../../viewer/src/data/attention-layers.ts';
import { headGrid, topDeltaCells } from '../../../viewer/src/data/head-grid.ts';
import { selectRows, type AttentionLayer } from '../../../viewer/src/data/probe-data.ts';

/** metrics_attention_heads-shaped columns from rows (comparison columns filled from base/tuned). */
function headsTable(
  rows: { family: string; layer: number; head: number; qs: string; metric: string; base: number; tuned: number }[],
) {
  const col = (f: (r: (typeof rows)[number]) => number) => Float32Array.from(rows, f);
  return {
    family: rows.map((r) => r.family),
    layer: Int16Array.from(rows, (r) => r.layer),
    head: Int16Array.from(rows, (r) => r.head),
    query_set: rows.map((r) => r.qs),
    metric: rows.map((r) => r.metric),
    base: col((r) => r.base),
    base_lo: col((r) => r.base - 0.1),
    base_hi: col((r) => r.base + 0.1),
    tuned: col((r) => r.tuned),
    tuned_lo: col((r) => r.tuned - 0.2),
    tuned_hi: col((r) => r.tuned + 0.2),
    delta: col((r) => r.tuned - r.base),
    delta_lo: col((r) => r.tuned - r.base - 0.3),
    delta_hi: col((r) => r.tuned - r.base + 0.3),
    p_value: col(() => 0.01),
    n_probes: Int32Array.from(rows, () => 12),
    rank_select: Int32Array.from(rows, (r) => r.layer * 2 + r.head),
  };
}

const rows = [
  ...[0, 1, 2].flatMap((layer) =>
    [0, 1].map((head) => ({
      family: 'all',
      layer,
      head,
      qs: 'answer',
      metric: 'evidence_lift',
      base: 1,
      tuned: layer === 1 && head === 0 ? 8 : 1,
    })),
  ),
  ...[0, 1, 2].map((layer) => ({
    family: 'all',
    layer,
    head: -1,
    qs: 'answer',
    metric: 'evidence_lift',
    base: 1,
    tuned: layer === 1 ? 4.5 : 1,
  })),
  { family: 'mrcr', layer: 0, head: 0, qs: 'answer', metric: 'evidence_lift', base: 9, tuned: 9 },
  { family: 'all', layer: 0, head: 0, qs: 'last', metric: 'evidence_lift', base: 7, tuned: 7 },
];

describe('headGrid', () => {
  const grid = headGrid(headsTable(rows), { family: 'all', querySet: 'answer', metric: 'evidence_lift' });

  it('lays cells out row-major by layer × head, with base, tuned and Δ and their intervals', () => {
    expect([grid.nLayers, grid.nHeads]).toEqual([3, 2]);
    const c = grid.cells[1 * 2 + 0]!;
    expect([c.layer, c.head, c.base.value, c.tuned.value, c.delta.value]).toEqual([1, 0, 1, 8, 7]);
    expect([c.delta.lo, c.delta.hi]).toEqual([Math.fround(6.7), Math.fround(7.3)]);
    expect([c.p, c.n, c.rankSelect]).toEqual([Math.fround(0.01), 12, 2]);
  });

  it('keeps head means (head = −1) apart as layer means and ignores other families and query sets', () => {
    expect(grid.layerMeans.map((m) => m!.tuned.value)).toEqual([1, 4.5, 1]);
    expect(grid.cells.every((c) => c!.base.value === 1)).toBe(true);
  });

  it('topDeltaCells ranks by Δ, ties by layer then head', () => {
    expect(topDeltaCells(grid, 3).map((c) => `L${c.layer}H${c.head}`)).toEqual(['L1H0', 'L0H0', 'L0H1']);
  });

  it('layerMeans reads the head = −1 rows in layer order', () => {
    expect(
      layerMeans(headsTable(rows), { family: 'all', querySet: 'answer', metric: 'evidence_lift' }).map((l) => l.layer),
    ).toEqual([0, 1, 2]);
  });
});

describe('distanceProfiles', () => {
  it('returns each asked layer with its bins in order and its change score', () => {
    const bins = [2, 0, 1];
    const dist = {
      family: bins.map(() => 'all'),
      layer: Int16Array.from(bins, () => 3),
      query_set: bins.map(() => 'answer'),
      bin: Int16Array.from(bins),
      bin_lo: Int32Array.from(bins, (b) => b),
      bin_hi: Int32Array.from(bins, (b) => b + 1),
      base: Float32Array.from(bins, (b) => b / 10),
      base_lo: Float32Array.from(bins, () => 0),
      base_hi: Float32Array.from(bins, () => 1),
      tuned: Float32Array.from(bins, (b) => b / 5),
      tuned_lo: Float32Array.from(bins, () => 0),
      tuned_hi: Float32Array.from(bins, () => 1),
      delta: Float32Array.from(bins, (b) => b / 10),
      delta_lo: Float32Array.from(bins, () => 0),
      delta_hi: Float32Array.from(bins, () => 1),
      p_value: Float32Array.from(bins, () => 1),
      n_probes: Int32Array.from(bins, () => 4),
    };
    const change = {
      family: ['all'],
      layer: Int16Array.of(3),
      query_set: ['answer'],
      js_bits: Float32Array.of(0.5),
      js_lo: Float32Array.of(0.25),
      js_hi: Float32Array.of(0.75),
      p_value: Float32Array.of(0.02),
      n_probes: Int32Array.of(4),
      rank_select: Int32Array.of(0),
    };
    const [p] = distanceProfiles(dist, change, { family: 'all', querySet: 'answer', layers: [3] });
    expect(p!.bins.map((b) => b.bin)).toEqual([0, 1, 2]);
    expect(p!.bins.map((b) => b.tuned.value)).toEqual([0, 0.2, 0.4].map(Math.fround));
    expect(p!.change).toEqual({ js: 0.5, lo: 0.25, hi: 0.75, p: Math.fround(0.02), rankSelect: 0 });
  });
});

describe('selectRows', () => {
  // Two heads; head 0 has answer rows at positions 10 and 11 (top-2 keys each) and a last row.
  const layer: AttentionLayer = {
    head: Int16Array.of(0, 0, 0, 0, 0, 1),
    querySet: ['answer', 'answer', 'answer', 'answer', 'last', 'answer'],
    queryPos: Int32Array.of(10, 10, 11, 11, 12, 10),
    keyPos: Int32Array.of(0, 5, 5, 6, 3, 1),
    weight: Float32Array.of(0.5, 0.3, 0.6, 0.2, 0.9, 1),
    rowMassKept: Float32Array.of(0.8, 0.8, 0.8, 0.8, 0.9, 1),
  };

  it('one query row: its kept keys and weights as they are', () => {
    const r = selectRows(layer, { head: 0, querySet: 'answer', queryPos: 11 });
    expect(Array.from(r.keys)).toEqual([5, 6]);
    expect(Array.from(r.weights)).toEqual([0.6, 0.2].map(Math.fround));
    expect(r.queryPositions).toEqual([10, 11]);
    expect(r.keptMass).toBeCloseTo(0.8, 6);
  });

  it('the mean of a set: each row weighs 1 / rows, so pooled weights still sum to the mean kept mass', () => {
    const r = selectRows(layer, { head: 0, querySet: 'answer', queryPos: null });
    expect(r.rows).toBe(2);
    expect(Array.from(r.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(0.8, 6);
    const onFive = Array.from(r.keys)
      .flatMap((k, i) => (k === 5 ? [r.weights[i]!] : []))
      .reduce((a, b) => a + b, 0);
    expect(onFive).toBeCloseTo((0.3 + 0.6) / 2, 6);
  });
});
