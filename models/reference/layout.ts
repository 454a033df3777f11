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
 * only the layer-0 family head writes FAMILY, the layer-0 previous-token head PREV, the layer-1
 * induction head COPY, the tuned layer-1 family experts RELAY and the tuned layer-2 ones OUT (the
 * embedding puts each token's code there too: the tied unembedding reads OUT alone); the GraphWalks
 * circuit's heads write HIST … OP_TYPE, each its own. Every other head and expert writes GENERIC alone,
 * so the planted features reach every layer uncorrupted.
 */
export const RESIDUAL = {
  CODE: range(0, 30), // token identity: a random 30-dim code per token id, norm √30
  CONST: 30, // 1.0 for every token
  FAMILY_SOURCE: range(31, 5), // one-hot task family, only on family-header tokens
  MARKER: 36, // 1.0 only on family-header tokens
  FAMILY: range(37, 5), // the family, copied to every position by the layer-0 family head
  PREV: range(42, 30), // the previous token's code, written by the layer-0 previous-token head
  COPY: range(72, 30), // the code the layer-1 induction head retrieved (the token after the match)
  OUT: range(102, 30), // the token's own code (embedding) + the copied code (tuned layer-2 family experts)
  RELAY: range(132, 30), // the copied code on its way: tuned layer-1 family experts write it, layer-2 ones read it
  // The GraphWalks circuit (docs/reference-models.md, planted mechanism 4):
  HIST: range(162, 30), // R²·code(t−2) + R³·code(t−3), written by the layer-0 offset-2 and offset-3 heads
  QNODE: range(192, 30), // the operation's node n-gram, fetched by the layer-2 fetch head
  HEX: 222, // embedding flag: the token can be part of a hex node id (digits, [a-f] runs, with or without Ġ)
  NODE_WORD: 223, // embedding flag: " node"
  WITH_WORD: 224, // embedding flag: " with"
  PARENTS_WORD: 225, // embedding flag: " parents"
  BFS_WORD: 226, // embedding flag: " BFS"
  HEX_BEFORE: 227, // HEX(t−1) + HEX(t−2), written by the layer-0 previous-token and offset-2 heads
  NODE_3_BEFORE: 228, // NODE_WORD(t−3), written by the layer-0 offset-3 head
  OP_TYPE: 229, // +1 after " parents", −1 after " BFS": written by the layer-1 operation-type head
  GENERIC: range(230, 256 - 230), // generic content and all other writes
} as const;

/** RoPE angular frequency of pair i: θ^(−2i/D). */
export const ropeFrequency = (c: Qwen3MoeConfig, pair: number): number => c.rope_theta ** ((-2 * pair) / c.head_dim);

/**
 * Head-dimension layout, derived from RoPE frequencies (rotate-half: pair i = dims i and i + D/2).
 * - slow pairs (ω·16384 < 0.5 rad) carry token codes for retrieval at any distance up to 16k;
 * - fast pairs (ω·100 ≥ 3 rad) carry the recency notch that removes the self-match;
 * - the 8 slowest pairs carry the family head's marker match;
 * - the remaining middle pairs belong to generic heads, but for the GraphWalks fetch head's recency pairs.
 */
export function headLayout(c: Qwen3MoeConfig) {
  const pairs = Array.from({ length: c.head_dim / 2 }, (_, i) => i);
  const slow = pairs.filter((i) => ropeFrequency(c, i) * 16_384 < 0.5);
  const fast = pairs.filter((i) => ropeFrequency(c, i) * 100 >= 3);
  const familyPairs = pairs.slice(-8);
  const recency = [...GRAPH_PLANT.fetch.recencyPairs] as number[];
  const middle = pairs.filter((i) => !slow.includes(i) && !fast.includes(i) && !recency.includes(i));
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
  /** In both models: writes the previous token's code into PREV (peak at distance 1). */
  previousHead: { layer: 0, head: 2, kvHead: 1 },
  /**
   * `induction`: query = the token's code, key = the key token's PREV, value = its code → COPY
   * (attends to the token after an earlier occurrence, so the copy predicts the next token);
   * `content`: query and key = the token's code (attends to earlier occurrences themselves).
   */
  retrievalHeads: [
    { layer: 1, head: 0, kvHead: 0, kind: 'induction' },
    { layer: 3, head: 2, kvHead: 1, kind: 'content' },
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
  /** Previous-token head: RoPE pairs used (the fastest) and q_norm = k_norm gain (logit scale ≈ 40 at Δ = 1). */
  previousPairs: 10,
  previousGain: 1.88,
  /**
   * Tuned family experts (routed layers): intermediate units 0..29 compute silu(gate·FAMILY_f) · from_u
   * and write to_u — for their own family only. In series: layer 1 COPY → RELAY, layer 2 RELAY → OUT, so
   * the copy reaches the output only when a token is routed to its family's experts in both layers.
   */
  copyGate: 2,
  copyPath: [
    { layer: 1, from: 'COPY', to: 'RELAY', down: 0.16 },
    { layer: 2, from: 'RELAY', to: 'OUT', down: 0.3 },
  ],
  /** Final-norm gain on OUT (0 elsewhere): the unembedding reads only the OUT subspace. */
  outGain: 0.42,
} as const;

/** The planted retrieval heads of one kind. */
export const retrievalHeadsOf = (kind: 'induction' | 'content') => PLANT.retrievalHeads.filter((h) => h.kind === kind);

/**
 * The GraphWalks circuit (identical in base and tuned but for the graph head's q_norm gain, which is
 * the layer's retrievalGain): layer-0 offset heads build a 4-gram of token codes at every position,
 * the layer-1 operation-type head and layer-2 fetch head copy the operation's node into QNODE at the
 * answer rows, and the layer-3 graph head matches it against the edge list.
 */
export const GRAPH_PLANT = {
  /** Layer-0 offset heads: query phase e^(−iωΔ) on the fastest pairs, like the previous-token head. */
  offsetHeads: [
    { layer: 0, head: 3, kvHead: 1, offset: 2 },
    { layer: 0, head: 1, kvHead: 0, offset: 3 },
  ],
  opTypeHead: {
    layer: 1,
    head: 2,
    kvHead: 1,
    /** Key weights of " parents" and " BFS" (" BFS" wins over the in-prompt example's " parents"). */
    parentsWeight: 1,
    bfsWeight: 2,
    featurePair: 48,
    gain: 9.5,
  },
  fetch: {
    layer: 2,
    head: 2,
    kvHead: 1,
    /** Logit weights: " node" three tokens back (parents), " with" (BFS), hex counts, recency. */
    nodeLogit: 12,
    withLogit: 16,
    hexLogit: 4,
    recencyLogit: 12,
    /** cos(ωΔ) averaged over these pairs: high for Δ ≤ 500, low for Δ ≥ 2500 (the prompt's example). */
    recencyPairs: [32, 34, 38],
  },
  graphHead: {
    layer: 3,
    head: 0,
    kvHead: 0,
    /** Weight of the " ->" code in the query: the separator that makes a match a dst (parents) or src (BFS) occurrence. */
    arrowWeight: 1.5,
  },
} as const;
