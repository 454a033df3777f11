import type { Qwen3MoeConfig } from '../config.ts';
import type { ExpertWeights, LayerWeights, ModelWeights } from '../weights.ts';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded random weights with magnitudes like a trained model's (projections ~ N(0, 1/in),
 * norm gains ~ 1 ± 0.1), for tests and benchmarks: activations stay O(1), logits O(1–10).
 * Example: `randomWeights(config, 7)`.
 */
export function randomWeights(c: Qwen3MoeConfig, seed: number): ModelWeights {
  const rand = uniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const matrix = (out: number, inp: number, gain = 1) =>
    Float32Array.from({ length: out * inp }, () => (gain * normal()) / Math.sqrt(inp));
  const norm = (n: number) => Float32Array.from({ length: n }, () => 1 + 0.1 * normal());
  const H = c.hidden_size,
    D = c.head_dim,
    I = c.moe_intermediate_size;
  const expert = (): ExpertWeights => ({ gate: matrix(I, H), up: matrix(I, H), down: matrix(H, I) });
  const layer = (): LayerWeights => ({
    inputNorm: norm(H),
    qProj: matrix(c.num_attention_heads * D, H),
    kProj: matrix(c.num_key_value_heads * D, H),
    vProj: matrix(c.num_key_value_heads * D, H),
    oProj: matrix(H, c.num_attention_heads * D),
    qNorm: norm(D),
    kNorm: norm(D),
    postNorm: norm(H),
    router: matrix(c.num_experts, H, 2),
    experts: Array.from({ length: c.num_experts }, expert),
  });
  const w: ModelWeights = {
    config: c,
    embed: Float32Array.from({ length: c.vocab_size * H }, normal),
    layers: Array.from({ length: c.num_hidden_layers }, layer),
    finalNorm: norm(H),
  };
  if (!c.tie_word_embeddings) w.lmHead = matrix(c.vocab_size, H, 2);
  return w;
}
