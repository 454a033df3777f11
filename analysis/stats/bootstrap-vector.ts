import { interval, type BootstrapPlan, type CiMethod, type Estimate } from './bootstrap.ts';
import { permutationPValue } from './permutation.ts';
import type { Rng } from './rng.ts';

/**
 * Bootstrap intervals for a vector of statistics computed together from probe weights (e.g. every
 * routing metric of one layer from one aggregation per resample). `stat(w)` returns the vector;
 * components that are undefined on a resample are NaN-free by contract and reported through `ok`:
 * stat returns `null` for a resample where nothing is defined. BCa uses leave-one-out jackknife.
 * Example: `bootstrapVector(plan, (w) => Float64Array.of(mean(a, w), mean(b, w)), opts)`.
 */
export function bootstrapVector(
  plan: BootstrapPlan,
  stat: (weights: ArrayLike<number>) => Float64Array | null,
  options: { alpha: number; method: CiMethod },
): Estimate[] {
  const full = Float64Array.from(plan.include);
  const value = stat(full);
  if (value === null) return [];
  const m = value.length;
  const reps = Array.from({ length: m }, () => new Array<number | null>(plan.resamples).fill(null));
  for (let b = 0; b < plan.resamples; b++) {
    const v = stat(plan.weights.subarray(b * plan.n, (b + 1) * plan.n));
    if (v === null) continue;
    for (let j = 0; j < m; j++) reps[j]![b] = v[j]!;
  }
  let jack: number[][] | undefined;
  if (options.method === 'bca') {
    jack = Array.from({ length: m }, () => []);
    for (let i = 0; i < plan.n; i++) {
      if (!plan.include[i]) continue;
      full[i] = 0;
      const v = stat(full);
      full[i] = 1;
      if (v !== null) for (let j = 0; j < m; j++) jack[j]!.push(v[j]!);
    }
  }
  return Array.from(value, (x, j) => interval(x, reps[j]!, options.alpha, options.method, jack?.[j]));
}

/**
 * Paired-swap permutation p-values for a vector of statistics: `stat(swap)` is evaluated with no
 * probe swapped (observed) and with random base↔tuned swaps per included probe (all 2^n patterns
 * when n ≤ `exactUpTo`); each component's p-value is two-sided on its absolute value.
 */
export function swapPValues(
  include: Uint8Array,
  permutations: number,
  rng: Rng,
  stat: (swap: Uint8Array) => Float64Array,
  exactUpTo = 10,
): Float64Array {
  const idx: number[] = [];
  include.forEach((v, i) => {
    if (v) idx.push(i);
  });
  const swap = new Uint8Array(include.length);
  const observed = stat(swap).map(Math.abs);
  const nulls = Array.from(observed, () => [] as number[]);
  const record = () => stat(swap).forEach((v, j) => nulls[j]!.push(Math.abs(v)));
  if (idx.length <= exactUpTo) {
    for (let mask = 1; mask < 2 ** idx.length; mask++) {
      idx.forEach((p, k) => {
        swap[p] = (mask >> k) & 1;
      });
      record();
    }
  } else {
    for (let b = 0; b < permutations; b++) {
      for (const p of idx) swap[p] = rng.next() < 0.5 ? 1 : 0;
      record();
    }
  }
  return Float64Array.from(observed, (o, j) => (idx.length === 0 ? 1 : permutationPValue(o, nulls[j]!)));
}
