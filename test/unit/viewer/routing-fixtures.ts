import type { TableSpec } from '../../../analysis/schema/columns.ts';
import {
  METRICS_ROUTING_AGREEMENT,
  METRICS_ROUTING_CHANGE,
  METRICS_ROUTING_EXPERTS,
  METRICS_ROUTING_MI,
  METRICS_ROUTING_OVERLAP,
} from '../../../analysis/schema/metrics-routing.ts';
import type { Columns } from '../../../viewer/src/data/arrow-read.ts';
import { renderChart } from '../../../viewer/src/charts/render.ts';
import type { ChartSpec } from '../../../viewer/src/charts/types.ts';
import { nodeRenderEnv } from '../../../analysis/figures/node-env.ts';

type Row = Record<string, string | number>;

/**
 * Decoded columns as `decodeTable` gives them (strings as arrays, numbers as typed arrays of the
 * schema's width), built from rows that must name every column of the table.
 */
export function columnsOf(spec: TableSpec, rows: Row[]): Columns {
  const out: Columns = {};
  for (const c of spec.columns) {
    const values = rows.map((r, i) => {
      const v = r[c.name];
      if (v === undefined) throw new Error(`fixture row ${i} of ${spec.name} lacks "${c.name}"`);
      return v;
    });
    if (c.kind === 'dict') out[c.name] = values as string[];
    else if (c.kind === 'int16') out[c.name] = Int16Array.from(values as number[]);
    else if (c.kind === 'int32') out[c.name] = Int32Array.from(values as number[]);
    else out[c.name] = Float32Array.from(values as number[]);
  }
  return out;
}

/** `metrics_routing_experts` rows; gate usage and top-1 default to fixed multiples of frequency so each measure is distinguishable. */
export const expertsTable = (
  rows: { model: string; family: string; layer: number; expert: number; frequency: number; rank: number }[],
): Columns =>
  columnsOf(
    METRICS_ROUTING_EXPERTS,
    rows.map((r) => ({
      gate_usage: r.frequency * 2,
      top1_frequency: r.frequency / 2,
      family_share: 1,
      selectivity: 0,
      ...r,
    })),
  );

/** Usage rows for a full grid, frequency from `f(model, family, layer, expert)`, ranks computed like the pipeline (ties → lower id, zero never ranked). */
export function expertGrid(
  models: string[],
  families: string[],
  nLayers: number,
  nExperts: number,
  f: (model: string, family: string, layer: number, expert: number) => number,
): Columns {
  const rows: Parameters<typeof expertsTable>[0] = [];
  for (const model of models)
    for (const family of families)
      for (let layer = 0; layer < nLayers; layer++) {
        const freq = Array.from({ length: nExperts }, (_, e) => f(model, family, layer, e));
        const order = freq
          .map((v, e) => [Math.fround(v), e] as const)
          .filter(([v]) => v > 0)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        const rank = new Map(order.map(([, e], k) => [e, k]));
        freq.forEach((frequency, expert) =>
          rows.push({ model, family, layer, expert, frequency, rank: rank.get(expert) ?? -1 }),
        );
      }
  return expertsTable(rows);
}

export const changeTable = (
  rows: { family: string; layer: number; measure: string; js_bits: number; rank_select: number }[],
): Columns =>
  columnsOf(
    METRICS_ROUTING_CHANGE,
    rows.map((r) => ({ js_lo: r.js_bits * 0.9, js_hi: r.js_bits * 1.1, p_value: 0.01, n_probes: 8, ...r })),
  );

export const miTable = (
  rows: { model: string; layer: number; measure: string; mi_bits: number; null_mean_bits: number }[],
): Columns =>
  columnsOf(
    METRICS_ROUTING_MI,
    rows.map((r) => ({
      mi_lo: r.mi_bits - 0.05,
      mi_hi: r.mi_bits + 0.05,
      null_p_value: 0.002,
      n_permutations: 500,
      ...r,
    })),
  );

export const overlapTable = (
  rows: { model: string; layer: number; family_a: string; family_b: string; jaccard: number }[],
): Columns =>
  columnsOf(
    METRICS_ROUTING_OVERLAP,
    rows.map((r) => ({ top_n: 3, ...r })),
  );

export const agreementTable = (
  rows: { family: string; layer: number; token_set: string; top1_match: number; jaccard: number; n_tokens: number }[],
): Columns =>
  columnsOf(
    METRICS_ROUTING_AGREEMENT,
    rows.map((r) => ({
      top1_lo: r.top1_match - 0.1,
      top1_hi: r.top1_match + 0.05,
      jaccard_lo: r.jaccard - 0.1,
      jaccard_hi: r.jaccard + 0.05,
      n_probes: 6,
      ...r,
    })),
  );

/** The composed SVG of a chart, as `acc-lens figures` writes it. */
export const svgOf = (spec: ChartSpec): string => renderChart(spec, nodeRenderEnv()).outerHTML;

/** The data a chart's Plot marks of `kind` were given (e.g. `Plot.Dot`), in mark order. */
export function marksData<T>(spec: ChartSpec, kind: abstract new (...args: never[]) => unknown): T[][] {
  return (spec.plot.marks as unknown[])
    .filter((m) => m instanceof kind)
    .map((m) => Array.from((m as { data: Iterable<T> }).data));
}
