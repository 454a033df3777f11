/**
 * Task selectivity of each expert: 1 − H(s)/log2(F), where s_f ∝ the expert's selection frequency
 * in family f (frequencies, so families of different sizes weigh alike). 0 = used alike by every
 * family (or never used, or one family only in the data), 1 = used by one family alone.
 * `freq` dims: [family, expert].
 * @example expertSelectivity([[1, 0.5], [0, 0.5]], 2) // [1, 0]
 */
export function expertSelectivity(freq: readonly ArrayLike<number>[], nExperts: number): Float64Array {
  const F = freq.length;
  const out = new Float64Array(nExperts);
  if (F < 2) return out;
  for (let e = 0; e < nExperts; e++) {
    let total = 0;
    for (let f = 0; f < F; f++) total += Math.max(0, freq[f]![e]!);
    if (total <= 0) continue;
    let h = 0;
    for (let f = 0; f < F; f++) {
      const p = Math.max(0, freq[f]![e]!) / total;
      if (p > 0) h -= p * Math.log2(p);
    }
    out[e] = Math.min(1, Math.max(0, 1 - h / Math.log2(F)));
  }
  return out;
}
