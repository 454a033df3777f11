/**
 * Shannon entropy and Jensen–Shannon divergence in bits. Inputs are non-negative weights; they are
 * normalised here, so counts and probabilities both work. An all-zero vector is "no data": its
 * entropy is 0 and its JS divergence to anything is 0 — never NaN.
 * @example entropyBits([1, 1, 1, 1]) // 2
 */
export function entropyBits(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += Math.max(0, weights[i]!);
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < weights.length; i++) {
    const p = Math.max(0, weights[i]!) / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return Math.max(0, h);
}

/**
 * Jensen–Shannon divergence JS(P‖Q) = H((P+Q)/2) − (H(P) + H(Q))/2 in bits, in [0, 1].
 * @example jsDivergenceBits([1, 0], [0, 1]) // 1
 */
export function jsDivergenceBits(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`jsDivergenceBits: lengths ${p.length} and ${q.length} differ`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += Math.max(0, p[i]!);
    sq += Math.max(0, q[i]!);
  }
  if (sp <= 0 || sq <= 0) return 0;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(0, p[i]!) / sp;
    const b = Math.max(0, q[i]!) / sq;
    const m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(1, Math.max(0, js));
}
