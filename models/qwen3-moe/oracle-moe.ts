import type { Qwen3MoeConfig } from '../config.ts';
import type { LayerWeights } from '../weights.ts';
import { linear, silu, softmax, topK } from './oracle-ops.ts';

export interface TokenRouting {
  experts: number[]; // [k]
  weights: number[]; // [k] gate weights (renormalised when norm_topk_prob)
  probs: Float32Array; // [E] router softmax
}

/** Router of one token x [H]: softmax over expert logits (rounded to float32 as the graphs store them), top-k, renormalise. */
export function route(c: Qwen3MoeConfig, layer: LayerWeights, x: Float32Array): TokenRouting {
  const logits = linear(layer.router, x, c.num_experts);
  const probs = Float32Array.from(softmax(logits));
  const experts = topK(probs, c.num_experts_per_tok);
  let weights = experts.map((e) => probs[e]!);
  if (c.norm_topk_prob) {
    const s = weights.reduce((a, b) => a + b, 0);
    weights = weights.map((w) => w / s);
  }
  return { experts, weights, probs };
}

/** SwiGLU expert: down·(silu(gate·x) ⊙ up·x) for x [H] → [H]. */
export function expertForward(c: Qwen3MoeConfig, layer: LayerWeights, e: number, x: Float32Array): Float32Array {
  const ex = layer.experts[e]!;
  const I = c.moe_intermediate_size;
  const g = linear(ex.gate, x, I);
  const u = linear(ex.up, x, I);
  const h = new Float32Array(I);
  for (let i = 0; i < I; i++) h[i] = silu(g[i]!) * u[i]!;
  return linear(ex.down, h, c.hidden_size);
}

/** Sparse MoE block for one token x [H] (already post-attention-normed): Σ_k w_k·expert_{e_k}(x). */
export function moeForward(
  c: Qwen3MoeConfig,
  layer: LayerWeights,
  x: Float32Array,
): { y: Float32Array; routing: TokenRouting } {
  const routing = route(c, layer, x);
  const acc = new Float64Array(c.hidden_size);
  routing.experts.forEach((e, j) => {
    const y = expertForward(c, layer, e, x);
    const w = routing.weights[j]!;
    for (let i = 0; i < acc.length; i++) acc[i]! += w * y[i]!;
  });
  return { y: Float32Array.from(acc), routing };
}
