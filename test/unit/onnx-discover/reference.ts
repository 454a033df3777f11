/** Float64 references for the instrumented tensors, computed from the same inputs the graph gets. */

/** Deterministic uniform(−a, a) floats (mulberry32), so fixtures need no stored data. */
export function randoms(n: number, seed: number, a = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * a;
  });
}

/** x [rows, inner] · w [inner, cols] in float64. */
export function matmul(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  rows: number,
  inner: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < inner; i++) {
      const xv = x[r * inner + i]!;
      for (let c = 0; c < cols; c++) out[r * cols + c]! += xv * w[i * cols + c]!;
    }
  return out;
}

export interface Heads {
  batch: number;
  heads: number;
  kvHeads: number;
  query: number;
  total: number;
  dim: number;
}

/**
 * Probabilities [batch, heads, query, total] from q [batch, heads, query, dim] and k [batch, kvHeads, total, dim]
 * (query head h reads kv head ⌊h / (heads / kvHeads)⌋); masked keys exactly 0, fully masked rows all 0.
 */
export function attentionProbs(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  s: Heads,
  scale: number,
  visible: (i: number, j: number) => boolean,
): Float64Array {
  const out = new Float64Array(s.batch * s.heads * s.query * s.total);
  const group = s.heads / s.kvHeads;
  for (let b = 0; b < s.batch; b++)
    for (let h = 0; h < s.heads; h++)
      for (let i = 0; i < s.query; i++) {
        const kh = Math.floor(h / group);
        const row = ((b * s.heads + h) * s.query + i) * s.total;
        let max = -Infinity;
        const scores = new Float64Array(s.total);
        for (let j = 0; j < s.total; j++) {
          if (!visible(i, j)) {
            scores[j] = -Infinity;
            continue;
          }
          let dot = 0;
          for (let d = 0; d < s.dim; d++)
            dot +=
              q[((b * s.heads + h) * s.query + i) * s.dim + d]! * k[((b * s.kvHeads + kh) * s.total + j) * s.dim + d]!;
          scores[j] = dot * scale;
          max = Math.max(max, scores[j]!);
        }
        if (max === -Infinity) continue;
        let sum = 0;
        for (let j = 0; j < s.total; j++) sum += scores[j] === -Infinity ? 0 : Math.exp(scores[j]! - max);
        for (let j = 0; j < s.total; j++) out[row + j] = scores[j] === -Infinity ? 0 : Math.exp(scores[j]! - max) / sum;
      }
  return out;
}

/** [batch, seq, heads·dim] → [batch, heads, seq, dim]. */
export function splitHeads(x: ArrayLike<number>, batch: number, seq: number, heads: number, dim: number): Float64Array {
  const out = new Float64Array(batch * heads * seq * dim);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < seq; t++)
      for (let h = 0; h < heads; h++)
        for (let d = 0; d < dim; d++) {
          out[((b * heads + h) * seq + t) * dim + d] = x[((b * seq + t) * heads + h) * dim + d]!;
        }
  return out;
}

/** Rotate-half RoPE on [batch, heads, seq, dim] with cos/sin caches [positions, dim/2]. */
export function rotateHalf(
  x: Float64Array,
  batch: number,
  heads: number,
  seq: number,
  dim: number,
  cos: ArrayLike<number>,
  sin: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(x.length);
  const half = dim / 2;
  for (let bh = 0; bh < batch * heads; bh++)
    for (let t = 0; t < seq; t++) {
      const base = (bh * seq + t) * dim;
      for (let i = 0; i < half; i++) {
        const c = cos[t * half + i]!;
        const s = sin[t * half + i]!;
        out[base + i] = x[base + i]! * c - x[base + i + half]! * s;
        out[base + i + half] = x[base + i + half]! * c + x[base + i]! * s;
      }
    }
  return out;
}

/** Softmax over experts, top-k (ties: lower index first), optionally renormalised — the Qwen3-MoE/MoE-kernel routing. */
export function routing(
  logits: ArrayLike<number>,
  tokens: number,
  experts: number,
  k: number,
  renormalise: boolean,
  softmaxFirst = true,
) {
  const ids: number[] = [];
  const weights: number[] = [];
  for (let t = 0; t < tokens; t++) {
    const row = Array.from({ length: experts }, (_, e) => logits[t * experts + e]!);
    const probs = softmax(row);
    const order = [...row.keys()].sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);
    const picked = softmaxFirst ? order.map((e) => probs[e]!) : softmax(order.map((e) => row[e]!));
    const total = picked.reduce((a, b) => a + b, 0);
    ids.push(...order);
    weights.push(...picked.map((p) => (renormalise ? p / total : p)));
  }
  return { ids, weights };
}

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}
