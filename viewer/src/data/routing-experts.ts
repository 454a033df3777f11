import type { Columns } from './arrow-read.ts';
import { numbers, rowCount, strings } from './columns.ts';
import type { Est } from './comparison.ts';

/** Usage columns of `metrics_routing_experts` a layer × expert matrix can show. */
export type UsageMeasure = 'frequency' | 'gate_usage' | 'top1_frequency';

export interface ModelPair {
  base: string;
  tuned: string;
}

/** Layer × expert usage of one family for both models; matrices are row-major [layer × expert], NaN where the run has no row. */
export interface ExpertUsage {
  family: string;
  measure: UsageMeasure;
  models: ModelPair;
  nLayers: number;
  nExperts: number;
  base: Float64Array;
  tuned: Float64Array;
  /** tuned − base; NaN where either is missing. */
  delta: Float64Array;
  /** Probes behind the family's counts (from the summary), null when unknown. */
  nProbes: number | null;
}

/** Layers and experts of the whole table, so every family's matrix has the same shape. */
function shapeOf(cols: Columns): { nLayers: number; nExperts: number } {
  const layer = numbers(cols, 'layer');
  const expert = numbers(cols, 'expert');
  let nLayers = 0;
  let nExperts = 0;
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    nLayers = Math.max(nLayers, layer[i]! + 1);
    nExperts = Math.max(nExperts, expert[i]! + 1);
  }
  return { nLayers, nExperts };
}

/**
 * Shapes `metrics_routing_experts` into base, tuned and Δ layer × expert matrices of one family.
 * Example: `expertUsage(index.metrics.metrics_routing_experts, { family: 'mrcr', measure: 'frequency', models: index.pair })`.
 */
export function expertUsage(
  cols: Columns,
  where: { family: string; measure: UsageMeasure; models: ModelPair; nProbes?: number | null },
): ExpertUsage {
  const { nLayers, nExperts } = shapeOf(cols);
  const base = new Float64Array(nLayers * nExperts).fill(NaN);
  const tuned = new Float64Array(nLayers * nExperts).fill(NaN);
  const model = strings(cols, 'model');
  const family = strings(cols, 'family');
  const layer = numbers(cols, 'layer');
  const expert = numbers(cols, 'expert');
  const value = numbers(cols, where.measure);
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    if (family[i] !== where.family) continue;
    const target = model[i] === where.models.base ? base : model[i] === where.models.tuned ? tuned : null;
    if (target !== null) target[layer[i]! * nExperts + expert[i]!] = value[i]!;
  }
  const delta = tuned.map((t, k) => t - base[k]!);
  return {
    family: where.family,
    measure: where.measure,
    models: where.models,
    nLayers,
    nExperts,
    base,
    tuned,
    delta,
    nProbes: where.nProbes ?? null,
  };
}

/** Base, tuned and Δ of one cell. */
export const usageAt = (u: ExpertUsage, layer: number, expert: number) => {
  const k = layer * u.nExperts + expert;
  return { base: u.base[k]!, tuned: u.tuned[k]!, delta: u.delta[k]! };
};

/** One expert of a top-N list with its rank and its usage in both models. */
export interface RankedExpert {
  expert: number;
  rank: number;
  base: number;
  tuned: number;
}

/**
 * The top-N experts of one model, family and layer: `rank < n` in `metrics_routing_experts`, most
 * used first (the table's rank already breaks frequency ties toward the lower id; never-used
 * experts have rank -1 and are never "top"). Each comes with both models' `measure`.
 * Example: `topExperts(cols, { by: 'tuned', family: 'mrcr', layer: 2, n: 20, models: index.pair })`.
 */
export function topExperts(
  cols: Columns,
  o: { by: keyof ModelPair; family: string; layer: number; n: number; models: ModelPair; measure?: UsageMeasure },
): RankedExpert[] {
  const model = strings(cols, 'model');
  const family = strings(cols, 'family');
  const layer = numbers(cols, 'layer');
  const expert = numbers(cols, 'expert');
  const rank = numbers(cols, 'rank');
  const value = numbers(cols, o.measure ?? 'frequency');
  const rankBy = o.models[o.by];
  const found = new Map<number, RankedExpert>();
  const get = (e: number) => found.get(e) ?? found.set(e, { expert: e, rank: -1, base: NaN, tuned: NaN }).get(e)!;
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    if (family[i] !== o.family || layer[i] !== o.layer) continue;
    const e = get(expert[i]!);
    if (model[i] === o.models.base) e.base = value[i]!;
    if (model[i] === o.models.tuned) e.tuned = value[i]!;
    if (model[i] === rankBy) e.rank = rank[i]!;
  }
  return [...found.values()]
    .filter((e) => e.rank >= 0 && e.rank < o.n)
    .sort((a, b) => a.rank - b.rank || a.expert - b.expert);
}

/** A layer ranked among the most changed of a family (from `metrics_routing_change`). */
export interface ChangedLayer {
  family: string;
  layer: number;
  /** 0 = most changed on the selection half. */
  rankSelect: number;
  /** JS divergence (bits) on all probes, with its bootstrap interval. */
  js: Est;
  p: number;
  n: number;
}

/**
 * The `count` most-changed layers of a family, as the summary chooses them: by `rank_select` (the
 * ranking on the selection half) of the `selections` JS divergence. Values are the table's (all probes).
 * Example: `mostChangedLayers(index.metrics.metrics_routing_change, { family: 'mrcr' })`.
 */
export function mostChangedLayers(
  cols: Columns,
  o: { family: string; measure?: 'selections' | 'gate'; count?: number },
): ChangedLayer[] {
  const family = strings(cols, 'family');
  const measure = strings(cols, 'measure');
  const layer = numbers(cols, 'layer');
  const rank = numbers(cols, 'rank_select');
  const count = o.count ?? 3;
  const out: ChangedLayer[] = [];
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    if (family[i] !== o.family || measure[i] !== (o.measure ?? 'selections')) continue;
    if (rank[i]! < 0 || rank[i]! >= count) continue;
    out.push({
      family: o.family,
      layer: layer[i]!,
      rankSelect: rank[i]!,
      js: { value: numbers(cols, 'js_bits')[i]!, lo: numbers(cols, 'js_lo')[i]!, hi: numbers(cols, 'js_hi')[i]! },
      p: numbers(cols, 'p_value')[i]!,
      n: numbers(cols, 'n_probes')[i]!,
    });
  }
  return out.sort((a, b) => a.rankSelect - b.rankSelect || a.layer - b.layer);
}

/** Probes behind a family's pooled counts: `summary.probes.by_family`, or every probe for `all`. */
export function probesIn(probes: { n: number; by_family: Record<string, number> }, family: string): number | null {
  return family === 'all' ? probes.n : (probes.by_family[family] ?? null);
}
