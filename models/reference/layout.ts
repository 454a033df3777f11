import type { Qwen3MoeConfig } from '../config.ts';

/**
 * The reference pair's shape and the layout of its residual stream and head dimensions.
 * Qwen3-MoE architecture at CPU size; head_dim 128 as in Qwen3 because long-range content
 * matching needs RoPE pairs that barely rotate over 16k positions (docs/reference-models.md).
 */
export const REFERENCE_CONFIG: Qwen3MoeConfig = {
  model_type: 'qwen3_moe',
  vocab_size: 151_936,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 128,
  num_experts: 16,
  num_experts_per_tok: 2,
  moe_intermediate_size: 64,
  norm_topk_prob: true,
  rope_theta: 1_000_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 32_768,
  tie_word_embeddings: true,
};

/** Half-open index range [start, end). */
export interface Range {
  start: number;
  end: number;
}
const range = (start: number, length: number): Range => ({ start, end: start + length });
export const rangeIndices = (r: Range): number[] => Array.from({ length: r.end - r.start }, (_, i) => r.start + i);

/**
 * Residual-stream subspaces. Only the embedding writes CODE, CONST, FAMILY_SOURCE and MARKER;
 * only the layer-0 family head writes FAMILY; every other head and expert writes GENERIC alone,
 * so the planted features reach every layer uncorrupted.
 */
export const RESIDUAL = {
  CODE: range(0, 30), // token identity: a random 30-dim code per token id, norm √30
  CONST: 30, // 1.0 for every token
  FAMILY_SOURCE: range(31, 5), // one-hot task family, only on family-header tokens
  MARKER: 36, // 1.0 only on family-header tokens
  FAMILY: range(37, 5), // the family, copied to every position by the layer-0 family head
  GENERIC: range(42, 256 - 42), // generic content and all other writes
} as const;

/** RoPE angular frequency of pair i: θ^(−2i/D). */
export const ropeFrequency = (c: Qwen3MoeConfig, pair: number): number => c.rope_theta ** ((-2 * pair) / c.head_dim);

/**
 * Head-dimension layout, derived from RoPE frequencies (rotate-half: pair i = dims i and i + D/2).
 * - slow pairs (ω·16384 < 0.5 rad) carry token codes for retrieval at any distance up to 16k;
 * - fast pairs (ω·100 ≥ 3 rad) carry the recency notch that removes the self-match;
 * - the 8 slowest pairs carry the family head's marker match;
 * - the remaining middle pairs belong to generic heads.
 */
export function headLayout(c: Qwen3MoeConfig) {
  const pairs = Array.from({ length: c.head_dim / 2 }, (_, i) => i);
  const slow = pairs.filter((i) => ropeFrequency(c, i) * 16_384 < 0.5);
  const fast = pairs.filter((i) => ropeFrequency(c, i) * 100 >= 3);
  const familyPairs = pairs.slice(-8);
  const middle = pairs.filter((i) => !slow.includes(i) && !fast.includes(i));
  const half = c.head_dim / 2;
  const both = (ps: number[]) => [...ps, ...ps.map((p) => p + half)];
  return {
    slowPairs: slow,
    fastPairs: fast,
    slowDims: both(slow), // 2 × 15 = 30 dims at θ = 1e6, D = 128
    notchDims: fast, // first coordinate of each fast pair
    familyDims: familyPairs, // first coordinate of the 8 slowest pairs
    middleDims: both(middle),
  };
}

/** Planted components: which layer/head does what. The single source for ground-truth.json. */
export const PLANT = {
  familyHead: { layer: 0, head: 0, kvHead: 0 },
  retrievalHeads: [
    { layer: 1, head: 0, kvHead: 0 },
    { layer: 3, head: 2, kvHead: 1 },
  ],
  routedLayers: [1, 2],
  /** q_norm gain on the retrieval dims: tuned ↔ logit scale β ≈ 25, base ↔ β ≈ 0.85. */
  retrievalGain: { tuned: 2.95, base: 0.1 },
  /** Share of the retrieval query/key energy in the recency notch (ρ). */
  notchShare: 0.25,
  familyHeadGain: 2,
  /** Router boost per unit of the family feature in the tuned routers. */
  routerBoost: 2,
  expertsPerFamily: 3,
  familyFeature: 2,
} as const;
