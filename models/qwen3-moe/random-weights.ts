import type { Qwen3MoeConfig } from '../config.ts';
import type {
  ExpertWeights,
  LayerWeights,
  LazyLayerWeights,
  LazyModelWeights,
  LazyTensor,
  ModelWeights,
} from '../weights.ts';

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

/** A 32-bit integer hash (lowbias32), for weights computed from their index instead of a stream. */
function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Random weights of any size that never sit in memory: each element is a hash of (tensor, index),
 * uniform with the variance `randomWeights` uses (projections 1/in, gains 1 ± 0.1), so a multi-GB
 * checkpoint can be written and read back piece by piece. Example: `randomLazyWeights(config, 3).embed.read(0, 8)`.
 */
export function randomLazyWeights(c: Qwen3MoeConfig, seed: number): LazyModelWeights {
  let next = 0;
  const tensor = (length: number, center: number, std: number): LazyTensor => {
    const key = hash32(seed * 7919 + ++next);
    const half = std * Math.sqrt(3); // uniform on [−half, half] has variance std²
    return {
      length,
      read: (start, count) => {
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++)
          out[i] = center + half * (hash32(key ^ Math.imul(start + i, 0x9e3779b1)) / 2 ** 31 - 1);
        return out;
      },
    };
  };
  const H = c.hidden_size,
    D = c.head_dim,
    I = c.moe_intermediate_size;
  const matrix = (out: number, inp: number, gain = 1) => tensor(out * inp, 0, gain / Math.sqrt(inp));
  const norm = (n: number) => tensor(n, 1, 0.1);
  const layer = (): LazyLayerWeights => ({
    inputNorm: norm(H),
    qProj: matrix(c.num_attention_heads * D, H),
    kProj: matrix(c.num_key_value_heads * D, H),
    vProj: matrix(c.num_key_value_heads * D, H),
    oProj: matrix(H, c.num_attention_heads * D),
    qNorm: norm(D),
    kNorm: norm(D),
    postNorm: norm(H),
    router: matrix(c.num_experts, H, 2),
    experts: Array.from({ length: c.num_experts }, () => ({
      gate: matrix(I, H),
      up: matrix(I, H),
      down: matrix(H, I),
    })),
  });
  const w: LazyModelWeights = {
    config: c,
    embed: tensor(c.vocab_size * H, 0, 1),
    layers: Array.from({ length: c.num_hidden_layers }, layer),
    finalNorm: norm(H),
  };
  if (!c.tie_word_embeddings) w.lmHead = matrix(c.vocab_size, H, 2);
  return w;
}
