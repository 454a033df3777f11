import { entropyBits, jsDivergenceBits } from '../divergence.ts';
import { loadBalance } from '../load-balance.ts';
import { mutualInformationFlat } from '../mutual-information.ts';
import { jaccard, topN } from '../top-experts.ts';

/** Per-probe routing usage of both models, dims [model][probe, layer_slot, expert] and [model][probe, layer_slot]. */
export interface RoutingData {
  P: number;
  L: number;
  E: number;
  selections: [Float64Array, Float64Array];
  gates: [Float64Array, Float64Array];
  top1: [Float64Array, Float64Array];
  tokens: [Float64Array, Float64Array];
  /** 1 where the probe has routing rows for both models. */
  ok: Uint8Array;
}

/** One layer's usage summed over weighted probes: [family row][expert], family row 0 = all. */
export interface LayerAggregate {
  sel: Float64Array[];
  gate: Float64Array[];
  top1: Float64Array[];
}

/** Sums the probes' usage of layer slot l per family row; `swap[i]` exchanges the two models for probe i. */
export function aggregateLayer(
  d: RoutingData,
  l: number,
  familyIndex: Int32Array,
  nFamilies: number,
  w: ArrayLike<number>,
  swap: Uint8Array | null,
): [LayerAggregate, LayerAggregate] {
  const mk = (): LayerAggregate => ({
    sel: rowsF(nFamilies + 1, d.E),
    gate: rowsF(nFamilies + 1, d.E),
    top1: rowsF(nFamilies + 1, d.E),
  });
  const out: [LayerAggregate, LayerAggregate] = [mk(), mk()];
  for (let i = 0; i < d.P; i++) {
    const wi = w[i]!;
    if (wi === 0 || !d.ok[i]) continue;
    const off = (i * d.L + l) * d.E;
    for (let m = 0; m < 2; m++) {
      const src = swap?.[i] ? 1 - m : m;
      const agg = out[m]!;
      for (const r of [0, familyIndex[i]! + 1]) {
        const s = agg.sel[r]!;
        const g = agg.gate[r]!;
        const t = agg.top1[r]!;
        for (let e = 0; e < d.E; e++) {
          s[e]! += wi * d.selections[src]![off + e]!;
          g[e]! += wi * d.gates[src]![off + e]!;
          t[e]! += wi * d.top1[src]![off + e]!;
        }
      }
    }
  }
  return out;
}

const rowsF = (n: number, e: number) => Array.from({ length: n }, () => new Float64Array(e));

/** Names of the per-model layer metrics, in vector order, for F families. */
export function layerMetricNames(families: readonly string[]): { family: string; metric: string }[] {
  const rows = ['all', ...families];
  return [
    ...rows.flatMap((family) => [
      { family, metric: 'entropy_bits' },
      { family, metric: 'load_balance' },
    ]),
    { family: 'all', metric: 'mi_bits' },
    { family: 'all', metric: 'mi_top1_bits' },
    { family: 'all', metric: 'topn_jaccard' },
  ];
}

/** Contingency family × expert (flat) from per-family rows 1..F. */
export function familyTable(rows: Float64Array[], E: number): Float64Array {
  const F = rows.length - 1;
  const out = new Float64Array(F * E);
  for (let f = 0; f < F; f++) out.set(rows[f + 1]!, f * E);
  return out;
}

/** Mean pairwise Jaccard of the families' top-N expert sets (0 with fewer than two families). */
export function meanTopNJaccard(rows: Float64Array[], n: number): number {
  const sets = rows
    .slice(1)
    .filter((r) => r.some((x) => x > 0))
    .map((r) => topN(r, n));
  let s = 0;
  let k = 0;
  for (let a = 0; a < sets.length; a++)
    for (let b = a + 1; b < sets.length; b++) {
      s += jaccard(sets[a]!, sets[b]!);
      k++;
    }
  return k > 0 ? s / k : 0;
}

/** The per-model metric vector of one aggregate (order of `layerMetricNames`). */
export function layerMetrics(agg: LayerAggregate, E: number, topNCount: number): number[] {
  const F = agg.sel.length - 1;
  const out: number[] = [];
  for (let r = 0; r <= F; r++) out.push(entropyBits(agg.sel[r]!), loadBalance(agg.sel[r]!));
  out.push(
    mutualInformationFlat(familyTable(agg.sel, E), F, E),
    mutualInformationFlat(familyTable(agg.top1, E), F, E),
    meanTopNJaccard(agg.sel, topNCount),
  );
  return out;
}

/** JS change per family row: selections then gate mass, each (F + 1) values. */
export function layerChange(a: LayerAggregate, b: LayerAggregate): number[] {
  return [...familyChange(a.sel, b.sel), ...familyChange(a.gate, b.gate)];
}

/**
 * JS(base ‖ tuned) per family row; row 0 ('all') is the mean over the families present, not the JS of
 * the pooled usage: pooling mixes families whose changes go to different experts, which both dilutes
 * the change and makes the paired swap test blind to it (swapping a probe's models keeps the pools apart).
 */
function familyChange(a: readonly Float64Array[], b: readonly Float64Array[]): number[] {
  const perFamily = a.map((s, r) => jsDivergenceBits(s, b[r]!));
  const present = perFamily.slice(1).filter((_, f) => sum(a[f + 1]!) > 0 || sum(b[f + 1]!) > 0);
  perFamily[0] = present.length > 0 ? present.reduce((x, y) => x + y, 0) / present.length : 0;
  return perFamily;
}

const sum = (xs: Float64Array): number => xs.reduce((x, y) => x + y, 0);
