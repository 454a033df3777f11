import type { Rng } from './rng.ts';

/** Add-one permutation p-value: (1 + #{null ≥ observed}) / (1 + #null), with a float tolerance. */
export function permutationPValue(observed: number, nullValues: ArrayLike<number>): number {
  let atLeast = 0;
  const tol = 1e-12 * Math.max(1, Math.abs(observed));
  for (let i = 0; i < nullValues.length; i++) if (nullValues[i]! >= observed - tol) atLeast++;
  return (1 + atLeast) / (1 + nullValues.length);
}

/**
 * Two-sided paired permutation p-value of a statistic under exchange of the two models' labels
 * within probes: `statistic(swap)` gets swap[i] = 1 where probe i's base and tuned are exchanged
 * and returns the signed difference. Enumerates every swap pattern when there are at most
 * `exactUpTo` probes (exact test), otherwise draws `permutations` random ones.
 * Example: `pairedSwapPValue(4, 1000, rng, (s) => meanDiff(d, s))` (all 16 patterns enumerated).
 */
export function pairedSwapPValue(
  nProbes: number,
  permutations: number,
  rng: Rng,
  statistic: (swap: Uint8Array) => number,
  exactUpTo = 10,
): number {
  const swap = new Uint8Array(nProbes);
  const observed = Math.abs(statistic(swap));
  const nulls: number[] = [];
  if (nProbes <= exactUpTo) {
    for (let mask = 1; mask < 2 ** nProbes; mask++) {
      for (let i = 0; i < nProbes; i++) swap[i] = (mask >> i) & 1;
      nulls.push(Math.abs(statistic(swap)));
    }
    // The identity pattern counts as one of the 2^n (it is the "+1").
    return permutationPValue(observed, nulls);
  }
  for (let b = 0; b < permutations; b++) {
    for (let i = 0; i < nProbes; i++) swap[i] = rng.next() < 0.5 ? 1 : 0;
    nulls.push(Math.abs(statistic(swap)));
  }
  return permutationPValue(observed, nulls);
}

/**
 * Draws `permutations` shuffles of the labels (Fisher–Yates); `statistic(labels)` is evaluated on
 * each and the add-one upper-tail p-value of the observed labels is returned with the null mean.
 * Used for the family-permutation null of I(task; expert).
 */
export function labelPermutationTest(
  labels: ArrayLike<number>,
  permutations: number,
  rng: Rng,
  statistic: (labels: Int32Array) => number,
): { observed: number; nullMean: number; pValue: number } {
  const current = Int32Array.from(labels);
  const observed = statistic(current);
  const nulls = new Float64Array(permutations);
  for (let b = 0; b < permutations; b++) {
    for (let i = current.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = current[i]!;
      current[i] = current[j]!;
      current[j] = t;
    }
    nulls[b] = statistic(current);
  }
  let mean = 0;
  for (const v of nulls) mean += v / Math.max(1, permutations);
  return { observed, nullMean: mean, pValue: permutationPValue(observed, nulls) };
}
