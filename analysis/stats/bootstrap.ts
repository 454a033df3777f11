import { normalCdf, normalQuantile } from './normal.ts';
import type { Rng } from './rng.ts';

export type CiMethod = 'percentile' | 'bca';

/** A point estimate and its two-sided (1 − alpha) interval; `lo === hi === value` when nothing varies. */
export interface Estimate {
  value: number;
  lo: number;
  hi: number;
}

/**
 * Resampling weights for a probe-level bootstrap: `weights[b * n + i]` is how often probe i was drawn
 * in resample b. Draws are stratified (each stratum — task family — keeps its size) and only
 * `include`d probes are drawn. One plan is shared by every statistic of a run, so intervals of
 * related quantities come from the same resamples.
 */
export interface BootstrapPlan {
  n: number;
  resamples: number;
  include: Uint8Array;
  weights: Uint16Array;
}

/** Builds a stratified resampling plan. Example: `bootstrapPlan([0, 0, 1], null, 1000, createRng(1))`. */
export function bootstrapPlan(
  strata: ArrayLike<number>,
  include: ArrayLike<number> | null,
  resamples: number,
  rng: Rng,
): BootstrapPlan {
  const n = strata.length;
  const inc = new Uint8Array(n);
  for (let i = 0; i < n; i++) inc[i] = include === null || include[i] ? 1 : 0;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) if (inc[i]) groups.set(strata[i]!, [...(groups.get(strata[i]!) ?? []), i]);
  const members = [...groups.entries()].sort(([a], [b]) => a - b).map(([, m]) => m);
  const weights = new Uint16Array(resamples * n);
  for (let b = 0; b < resamples; b++) {
    for (const group of members) {
      for (let k = 0; k < group.length; k++) weights[b * n + group[rng.int(group.length)]!]! += 1;
    }
  }
  return { n, resamples, include: inc, weights };
}

/** Linear-interpolated quantile (type 7) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Interval from bootstrap replicates. Percentile: the alpha/2 and 1 − alpha/2 quantiles. BCa
 * (Efron 1987): quantiles shifted by the bias z0 (share of replicates below the estimate) and the
 * acceleration from the jackknife values. Replicates that are null (statistic undefined on that
 * resample, e.g. no probe with data) are dropped; with none left the interval is the estimate.
 */
export function interval(
  value: number,
  replicates: ArrayLike<number | null>,
  alpha: number,
  method: CiMethod,
  jackknife?: ArrayLike<number>,
): Estimate {
  const kept: number[] = [];
  for (let i = 0; i < replicates.length; i++) {
    const r = replicates[i];
    if (r !== null && r !== undefined && Number.isFinite(r)) kept.push(r);
  }
  if (kept.length === 0) return { value, lo: value, hi: value };
  const sorted = Float64Array.from(kept).sort();
  let pLo = alpha / 2;
  let pHi = 1 - alpha / 2;
  if (method === 'bca' && sorted[0] !== sorted[sorted.length - 1]) {
    let below = 0;
    for (const r of sorted) below += r < value ? 1 : r === value ? 0.5 : 0;
    const z0 = normalQuantile(below / sorted.length);
    const a = acceleration(jackknife ?? []);
    const shift = (z: number) => normalCdf(z0 + (z0 + z) / Math.max(1e-12, 1 - a * (z0 + z)));
    pLo = shift(normalQuantile(alpha / 2));
    pHi = shift(normalQuantile(1 - alpha / 2));
  }
  return { value, lo: Math.min(value, quantileSorted(sorted, pLo)), hi: Math.max(value, quantileSorted(sorted, pHi)) };
}

/** BCa acceleration from jackknife (leave-one-out) values; 0 when they do not vary. */
function acceleration(jack: ArrayLike<number>): number {
  const n = jack.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += jack[i]! / n;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const d = mean - jack[i]!;
    s2 += d * d;
    s3 += d * d * d;
  }
  return s2 > 0 ? s3 / (6 * s2 ** 1.5) : 0;
}

/** A statistic of probe weights (multiplicities); null when undefined for those weights. */
export type WeightedStatistic = (weights: ArrayLike<number>) => number | null;

/**
 * Bootstrap interval of any statistic of probe weights: evaluated at weight 1 for every included
 * probe (the estimate), on every resample, and — for BCa — leaving out each included probe once.
 * Example: `bootstrapStatistic(plan, (w) => weightedMean(xs, w), { alpha: 0.05, method: 'percentile' })`.
 */
export function bootstrapStatistic(
  plan: BootstrapPlan,
  statistic: WeightedStatistic,
  options: { alpha: number; method: CiMethod },
): Estimate {
  const full = Float64Array.from(plan.include);
  const value = statistic(full) ?? 0;
  const replicates = new Array<number | null>(plan.resamples);
  for (let b = 0; b < plan.resamples; b++)
    replicates[b] = statistic(plan.weights.subarray(b * plan.n, (b + 1) * plan.n));
  let jack: number[] | undefined;
  if (options.method === 'bca') {
    jack = [];
    for (let i = 0; i < plan.n; i++) {
      if (!plan.include[i]) continue;
      full[i] = 0;
      const v = statistic(full);
      if (v !== null) jack.push(v);
      full[i] = 1;
    }
  }
  return interval(value, replicates, options.alpha, options.method, jack);
}
