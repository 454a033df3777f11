import type { Qwen3MoeConfig } from '../config.ts';
import type { LayerWeights } from '../weights.ts';
import { linear, rmsNorm, softmax } from './oracle-ops.ts';
import { applyRope } from './rope.ts';

export interface AttentionResult {
  out: Float32Array; // [T, H] after o_proj
  probs?: Float32Array; // [Nq, T, T], zeros above the diagonal
}

/** Per-head q/k vectors: project x_n [H], split into heads [n, D], RMSNorm each with the shared gain, rotate. */
function headVectors(
  c: Qwen3MoeConfig,
  w: Float32Array,
  gain: Float32Array,
  heads: number,
  x: Float32Array,
  pos: number,
  rope: { cos: Float32Array; sin: Float32Array },
): Float32Array[] {
  const D = c.head_dim;
  const y = linear(w, x, heads * D);
  return Array.from({ length: heads }, (_, h) => {
    const v = rmsNorm(y.subarray(h * D, (h + 1) * D), gain, c.rms_norm_eps);
    applyRope(v, rope.cos, rope.sin, pos);
    return v;
  });
}

/** Causal grouped-query self-attention over xn [T, H] (input-normed), positions 0..T−1. */
export function attentionForward(
  c: Qwen3MoeConfig,
  l: LayerWeights,
  xn: Float32Array[],
  rope: { cos: Float32Array; sin: Float32Array },
  wantProbs: boolean,
): AttentionResult {
  const T = xn.length,
    D = c.head_dim,
    Nq = c.num_attention_heads,
    Nkv = c.num_key_value_heads,
    H = c.hidden_size;
  const group = Nq / Nkv;
  const q = xn.map((x, t) => headVectors(c, l.qProj, l.qNorm, Nq, x, t, rope)); // [T][Nq][D]
  const k = xn.map((x, t) => headVectors(c, l.kProj, l.kNorm, Nkv, x, t, rope)); // [T][Nkv][D]
  const v = xn.map((x) => linear(l.vProj, x, Nkv * D)); // [T][Nkv·D]
  const probs = wantProbs ? new Float32Array(Nq * T * T) : undefined;
  const scale = 1 / Math.sqrt(D);
  const out = new Float32Array(T * H);
  for (let t = 0; t < T; t++) {
    const ctx = new Float32Array(Nq * D); // concat of heads
    for (let h = 0; h < Nq; h++) {
      const g = Math.floor(h / group);
      const qh = q[t]![h]!;
      const scores = new Float64Array(t + 1);
      for (let j = 0; j <= t; j++) {
        const kj = k[j]![g]!;
        let s = 0;
        for (let d = 0; d < D; d++) s += qh[d]! * kj[d]!;
        scores[j] = s * scale;
      }
      const p = softmax(scores);
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let j = 0; j <= t; j++) s += p[j]! * v[j]![g * D + d]!;
        ctx[h * D + d] = s;
      }
      if (probs) for (let j = 0; j <= t; j++) probs[(h * T + t) * T + j] = p[j]!;
    }
    out.set(linear(l.oProj, ctx, H), t * H);
  }
  return probs ? { out, probs } : { out };
}
