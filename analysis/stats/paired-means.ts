import { interval, type BootstrapPlan, type CiMethod, type Estimate } from './bootstrap.ts';
import { pairedSwapPValue } from './permutation.ts';
import type { Rng } from './rng.ts';

/** Base, tuned and tuned − base, each with a bootstrap interval, plus the permutation p-value of the difference. */
export interface PairedEstimate {
  base: Estimate;
  tuned: Estimate;
  delta: Estimate;
  pValue: number;
  nProbes: number;
}

export interface PairedOptions {
  alpha: number;
  method: CiMethod;
  permutations: number;
  rng: Rng;
}

/**
 * Paired comparison of per-probe values: means over the probes that are included in the plan and
 * `valid` (data present for both models), bootstrap intervals from the plan's resamples (a resample
 * drawing no valid probe is dropped) and a two-sided sign-flip permutation p-value. No valid probe:
 * every value 0, p = 1.
 * @example pairedMeans(plan, Float64Array.of(1, 1), Float64Array.of(3, 3), null, opts).delta.value // 2
 */
export function pairedMeans(
  plan: BootstrapPlan,
  base: ArrayLike<number>,
  tuned: ArrayLike<number>,
  valid: ArrayLike<number> | null,
  options: PairedOptions,
): PairedEstimate {
  const n = plan.n;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (plan.include[i] && (valid === null || valid[i])) idx.push(i);
  if (idx.length === 0) {
    const zero = { value: 0, lo: 0, hi: 0 };
    return { base: zero, tuned: zero, delta: zero, pValue: 1, nProbes: 0 };
  }
  const mean = (xs: ArrayLike<number>) => idx.reduce((s, i) => s + xs[i]!, 0) / idx.length;
  const [mb, mt] = [mean(base), mean(tuned)];
  const rb = new Array<number | null>(plan.resamples);
  const rt = new Array<number | null>(plan.resamples);
  const rd = new Array<number | null>(plan.resamples);
  for (let b = 0; b < plan.resamples; b++) {
    const off = b * n;
    let w = 0;
    let sb = 0;
    let st = 0;
    for (const i of idx) {
      const k = plan.weights[off + i]!;
      if (k === 0) continue;
      w += k;
      sb += k * base[i]!;
      st += k * tuned[i]!;
    }
    rb[b] = w > 0 ? sb / w : null;
    rt[b] = w > 0 ? st / w : null;
    rd[b] = w > 0 ? (st - sb) / w : null;
  }
  const jack = (xs: (i: number) => number) =>
    idx.length < 3
      ? undefined
      : idx.map((_, leave) => idx.reduce((s, i, k) => (k === leave ? s : s + xs(i)), 0) / (idx.length - 1));
  const opt = [options.alpha, options.method] as const;
  const diffs = Float64Array.from(idx, (i) => tuned[i]! - base[i]!);
  const pValue = signFlipPValue(diffs, options.permutations, options.rng);
  return {
    base: interval(mb, rb, ...opt, options.method === 'bca' ? jack((i) => base[i]!) : undefined),
    tuned: interval(mt, rt, ...opt, options.method === 'bca' ? jack((i) => tuned[i]!) : undefined),
    delta: interval(mt - mb, rd, ...opt, options.method === 'bca' ? jack((i) => tuned[i]! - base[i]!) : undefined),
    pValue,
    nProbes: idx.length,
  };
}

/**
 * Two-sided sign-flip p-value of the mean of paired differences: exact over all 2^n sign patterns
 * for n ≤ 10, else `permutations` random patterns (add-one). The hot loop of every paired row, so
 * it is written without closures.
 */
export function signFlipPValue(diffs: Float64Array, permutations: number, rng: Rng): number {
  const n = diffs.length;
  if (n <= 10)
    return pairedSwapPValue(n, permutations, rng, (swap) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += swap[k] ? -diffs[k]! : diffs[k]!;
      return s / n;
    });
  let observed = 0;
  for (let k = 0; k < n; k++) observed += diffs[k]!;
  observed = Math.abs(observed);
  const tol = 1e-12 * Math.max(1, observed);
  let atLeast = 0;
  for (let b = 0; b < permutations; b++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += rng.next() < 0.5 ? -diffs[k]! : diffs[k]!;
    if (Math.abs(s) >= observed - tol) atLeast++;
  }
  return (1 + atLeast) / (1 + permutations);
}
