import type { MetricsSummary } from '../../../analysis/metrics/run/summary.ts';
import type { Columns } from './arrow-read.ts';
import { numbers, rowsWhere, strings } from './columns.ts';
import { comparisonAt, type Comparison } from './comparison.ts';

export interface ProfileBin extends Comparison {
  bin: number;
  binLo: number;
  binHi: number;
}

/** A head-averaged, probe-averaged 32-bin distance profile of one family, layer and query set. */
export interface DistanceProfile {
  family: string;
  layer: number;
  querySet: string;
  bins: ProfileBin[];
  /** The layer's base-vs-tuned JS divergence and its rank on the selection half, when known. */
  change: { js: number; lo: number; hi: number; p: number; rankSelect: number } | null;
}

/** Profiles from `metrics_attention_distance` for the given layers (bins in order). */
export function distanceProfiles(
  distance: Columns,
  change: Columns | undefined,
  where: { family: string; querySet: string; layers: readonly number[] },
): DistanceProfile[] {
  const rows = rowsWhere(distance, { family: where.family, query_set: where.querySet });
  const layer = numbers(distance, 'layer');
  const bin = numbers(distance, 'bin');
  const lo = numbers(distance, 'bin_lo');
  const hi = numbers(distance, 'bin_hi');
  const changeRows = change === undefined ? [] : rowsWhere(change, { family: where.family, query_set: where.querySet });
  return where.layers.map((l) => {
    const bins = rows
      .filter((i) => layer[i] === l)
      .map((i) => ({ bin: bin[i]!, binLo: lo[i]!, binHi: hi[i]!, ...comparisonAt(distance, i) }))
      .sort((a, b) => a.bin - b.bin);
    const c = changeRows.find((i) => numbers(change!, 'layer')[i] === l);
    return {
      family: where.family,
      layer: l,
      querySet: where.querySet,
      bins,
      change:
        c === undefined
          ? null
          : {
              js: numbers(change!, 'js_bits')[c]!,
              lo: numbers(change!, 'js_lo')[c]!,
              hi: numbers(change!, 'js_hi')[c]!,
              p: numbers(change!, 'p_value')[c]!,
              rankSelect: numbers(change!, 'rank_select')[c]!,
            },
    };
  });
}

/**
 * The layers whose attention changed most for a family and query set — as the summary chose them
 * on the selection half (ordered by rank), so the figure shows what was selected, not picked post hoc.
 */
export function mostChangedAttentionLayers(summary: MetricsSummary, family: string, querySet: string): number[] {
  return summary.attention.most_changed_layers
    .filter((m) => m.family === family && m.query_set === querySet)
    .map((m) => m.layer);
}

export interface LayerLift extends Comparison {
  layer: number;
}

/** Head-mean (head = −1) values of one metric per layer, from `metrics_attention_heads`. */
export function layerMeans(heads: Columns, where: { family: string; querySet: string; metric: string }): LayerLift[] {
  const head = numbers(heads, 'head');
  const layer = numbers(heads, 'layer');
  return rowsWhere(heads, { family: where.family, query_set: where.querySet, metric: where.metric })
    .filter((i) => head[i] === -1)
    .map((i) => ({ layer: layer[i]!, ...comparisonAt(heads, i) }))
    .sort((a, b) => a.layer - b.layer);
}

/** Families in a metrics table, `all` first, then in the table's order (the probe set's). */
export function familiesOf(cols: Columns): string[] {
  const set = new Set(strings(cols, 'family').filter((f): f is string => f !== null));
  return ['all', ...[...set].filter((f) => f !== 'all')].filter((f) => set.has(f));
}
