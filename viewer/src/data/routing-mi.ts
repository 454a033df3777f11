import type { Columns } from './arrow-read.ts';
import { numbers, rowCount, strings } from './columns.ts';
import type { ModelPair } from './routing-experts.ts';

/** I(task; expert) of one model and layer, with its bootstrap interval and family-permutation null. */
export interface MiPoint {
  layer: number;
  value: number;
  lo: number;
  hi: number;
  nullMean: number;
  /** Add-one p-value against the null. */
  p: number;
  nPermutations: number;
}

export interface MiLayers {
  measure: 'selections' | 'top1';
  models: ModelPair;
  nLayers: number;
  /** Points by layer, ascending; a layer the run lacks is absent. */
  base: MiPoint[];
  tuned: MiPoint[];
  /** Probes pooled into the family × expert tables (summary `probes.n`), null when unknown. */
  nProbes: number | null;
  /** Families in the run: the MI ceiling is log2 of this. */
  nFamilies: number | null;
}

/**
 * Shapes `metrics_routing_mi` into per-layer MI series for base and tuned.
 * Example: `miLayers(index.metrics.metrics_routing_mi, { models: index.pair, measure: 'selections' })`.
 */
export function miLayers(
  cols: Columns,
  o: { models: ModelPair; measure: 'selections' | 'top1'; nProbes?: number | null; nFamilies?: number | null },
): MiLayers {
  const model = strings(cols, 'model');
  const measure = strings(cols, 'measure');
  const layer = numbers(cols, 'layer');
  const series: Record<string, MiPoint[]> = { [o.models.base]: [], [o.models.tuned]: [] };
  let nLayers = 0;
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    nLayers = Math.max(nLayers, layer[i]! + 1);
    const s = series[model[i] ?? ''];
    if (measure[i] !== o.measure || s === undefined) continue;
    s.push({
      layer: layer[i]!,
      value: numbers(cols, 'mi_bits')[i]!,
      lo: numbers(cols, 'mi_lo')[i]!,
      hi: numbers(cols, 'mi_hi')[i]!,
      nullMean: numbers(cols, 'null_mean_bits')[i]!,
      p: numbers(cols, 'null_p_value')[i]!,
      nPermutations: numbers(cols, 'n_permutations')[i]!,
    });
  }
  const byLayer = (a: MiPoint, b: MiPoint) => a.layer - b.layer;
  return {
    measure: o.measure,
    models: o.models,
    nLayers,
    base: series[o.models.base]!.sort(byLayer),
    tuned: series[o.models.tuned]!.sort(byLayer),
    nProbes: o.nProbes ?? null,
    nFamilies: o.nFamilies ?? null,
  };
}
