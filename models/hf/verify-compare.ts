import { softmax, topK } from '../qwen3-moe/oracle-ops.ts';

/** Top-k expert ids per token from router logits [T·E] (softmax then top-k, lower index on ties, as the oracle). */
export function topKFromLogits(logits: ArrayLike<number>, T: number, E: number, k: number): Int32Array {
  const out = new Int32Array(T * k);
  for (let t = 0; t < T; t++) {
    const row = Array.prototype.slice.call(logits, t * E, (t + 1) * E) as number[];
    out.set(topK(Float32Array.from(softmax(row)), k), t * k);
  }
  return out;
}

/** Tokens whose set of k selected experts differs between a and b ([T·k] each). */
export function routingFlips(a: Int32Array, b: Int32Array, k: number): number[] {
  const flips: number[] = [];
  for (let t = 0; t * k < a.length; t++) {
    const sa = Array.from(a.subarray(t * k, (t + 1) * k)).sort((x, y) => x - y);
    const sb = Array.from(b.subarray(t * k, (t + 1) * k)).sort((x, y) => x - y);
    if (sa.some((e, i) => e !== sb[i])) flips.push(t);
  }
  return flips;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} with ${b.length} values`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** The gap between the k-th and (k+1)-th router probability of a token: small gaps flip first. */
export function routingMargin(probs: ArrayLike<number>, t: number, E: number, k: number): number {
  const row = Array.prototype.slice.call(probs, t * E, (t + 1) * E) as number[];
  row.sort((x, y) => y - x);
  return (row[k - 1] ?? 0) - (row[k] ?? 0);
}
