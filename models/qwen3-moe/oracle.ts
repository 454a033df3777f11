import type { ModelWeights } from '../weights.ts';
import { assertWeightShapes } from '../weights.ts';
import { attentionForward } from './oracle-attention.ts';
import { moeForward } from './oracle-moe.ts';
import { linear, rmsNorm } from './oracle-ops.ts';
import { ropeTables } from './rope.ts';

export { rmsNorm, softmax, linear, silu, topK } from './oracle-ops.ts';
export { applyRope, ropeTables } from './rope.ts';
export { route, expertForward } from './oracle-moe.ts';

export interface OracleOptions {
  /** Return attention probabilities [Nq, T, T] for these layers. */
  attentionLayers?: number[];
  /** Return per-layer routing. */
  routing?: boolean;
}

export interface LayerRouting {
  experts: Int32Array; // [T, k]
  weights: Float32Array; // [T, k]
  probs: Float32Array; // [T, E]
}

export interface OracleResult {
  logits: Float32Array; // [T, V]
  attention: Map<number, Float32Array>; // layer → [Nq, T, T]
  routing?: LayerRouting[]; // per layer
}

/**
 * Plain-TypeScript forward pass of a Qwen3-MoE decoder over ids at positions 0..T−1
 * (the numerical oracle for both ONNX forms).
 * Example: `oracleForward(w, [1, 2, 3], { routing: true }).logits` is [3, V].
 */
export function oracleForward(
  weights: ModelWeights,
  ids: ArrayLike<number>,
  options: OracleOptions = {},
): OracleResult {
  assertWeightShapes(weights);
  const c = weights.config,
    H = c.hidden_size,
    V = c.vocab_size,
    T = ids.length,
    k = c.num_experts_per_tok;
  if (T > c.max_position_embeddings)
    throw new Error(`${T} tokens exceed max_position_embeddings ${c.max_position_embeddings}`);
  const rope = ropeTables(c, T);
  let x = Array.from({ length: T }, (_, t) => weights.embed.slice(ids[t]! * H, (ids[t]! + 1) * H)); // [T][H]
  const attention = new Map<number, Float32Array>();
  const routing: LayerRouting[] = [];
  weights.layers.forEach((l, li) => {
    const xn = x.map((r) => rmsNorm(r, l.inputNorm, c.rms_norm_eps));
    const att = attentionForward(c, l, xn, rope, options.attentionLayers?.includes(li) ?? false);
    if (att.probs) attention.set(li, att.probs);
    x = x.map((r, t) => Float32Array.from(r, (v, i) => v + att.out[t * H + i]!));
    const lr: LayerRouting = {
      experts: new Int32Array(T * k),
      weights: new Float32Array(T * k),
      probs: new Float32Array(T * c.num_experts),
    };
    x = x.map((r, t) => {
      const m = moeForward(c, l, rmsNorm(r, l.postNorm, c.rms_norm_eps));
      lr.experts.set(m.routing.experts, t * k);
      lr.weights.set(m.routing.weights, t * k);
      lr.probs.set(m.routing.probs, t * c.num_experts);
      return Float32Array.from(r, (v, i) => v + m.y[i]!);
    });
    routing.push(lr);
  });
  const head = weights.lmHead ?? weights.embed; // [V, H]; tied → embedding
  const logits = new Float32Array(T * V);
  x.forEach((r, t) => logits.set(linear(head, rmsNorm(r, weights.finalNorm, c.rms_norm_eps), V), t * V));
  return options.routing ? { logits, attention, routing } : { logits, attention };
}
