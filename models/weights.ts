import type { Qwen3MoeConfig } from './config.ts';

/**
 * Weights of a Qwen3-MoE decoder in PyTorch `nn.Linear` layout: a projection from `in` to `out`
 * features is stored row-major as [out, in], so y = W·x. Shapes use the config's names:
 * H = hidden_size, D = head_dim, Nq / Nkv = query / KV heads, E = num_experts,
 * I = moe_intermediate_size, V = vocab_size. `T` is how a tensor is held: a Float32Array in memory
 * (`ModelWeights`), or a `LazyTensor` read on demand from a checkpoint (`LazyModelWeights`).
 */
export interface ExpertTensors<T> {
  gate: T; // [I, H]
  up: T; // [I, H]
  down: T; // [H, I]
}

export interface LayerTensors<T> {
  inputNorm: T; // [H]   input_layernorm gain
  qProj: T; // [Nq·D, H]
  kProj: T; // [Nkv·D, H]
  vProj: T; // [Nkv·D, H]
  oProj: T; // [H, Nq·D]
  qNorm: T; // [D]   one gain vector shared by all query heads of the layer
  kNorm: T; // [D]   shared by all KV heads of the layer
  postNorm: T; // [H] post_attention_layernorm gain
  router: T; // [E, H]
  experts: ExpertTensors<T>[]; // E entries
}

export interface ModelTensors<T> {
  config: Qwen3MoeConfig;
  embed: T; // [V, H]
  layers: LayerTensors<T>[];
  finalNorm: T; // [H]
  /** [V, H]; absent when config.tie_word_embeddings (then logits = norm(h)·embedᵀ). */
  lmHead?: T;
}

/**
 * A float32 tensor whose values are read on demand: `read(start, count)` returns elements
 * [start, start + count) of its row-major values, so a 1 GB embedding can be copied in 16 MB pieces.
 */
export interface LazyTensor {
  readonly length: number;
  read(start: number, count: number): Float32Array;
  /** The whole tensor when it already sits in memory (then nothing needs copying). */
  readonly inMemory?: Float32Array;
}

export type ExpertWeights = ExpertTensors<Float32Array>;
export type LayerWeights = LayerTensors<Float32Array>;
export type ModelWeights = ModelTensors<Float32Array>;
export type LazyLayerWeights = LayerTensors<LazyTensor>;
export type LazyModelWeights = ModelTensors<LazyTensor>;

/** An in-memory array as a LazyTensor (reads are views, no copy). */
export const lazyArray = (a: Float32Array): LazyTensor => ({
  length: a.length,
  read: (start, count) => a.subarray(start, start + count),
  inMemory: a,
});

/** Maps every tensor of a model, keeping its structure (e.g. `mapTensors(w, lazyArray)`). */
export function mapTensors<A, B>(w: ModelTensors<A>, f: (t: A) => B): ModelTensors<B> {
  const layer = (l: LayerTensors<A>): LayerTensors<B> => ({
    inputNorm: f(l.inputNorm),
    qProj: f(l.qProj),
    kProj: f(l.kProj),
    vProj: f(l.vProj),
    oProj: f(l.oProj),
    qNorm: f(l.qNorm),
    kNorm: f(l.kNorm),
    postNorm: f(l.postNorm),
    router: f(l.router),
    experts: l.experts.map((e) => ({ gate: f(e.gate), up: f(e.up), down: f(e.down) })),
  });
  const out: ModelTensors<B> = {
    config: w.config,
    embed: f(w.embed),
    layers: w.layers.map(layer),
    finalNorm: f(w.finalNorm),
  };
  if (w.lmHead !== undefined) out.lmHead = f(w.lmHead);
  return out;
}

/** Reads every tensor into memory (small models: tests, the oracle on an imported checkpoint). */
export const materialize = (w: LazyModelWeights): ModelWeights =>
  mapTensors(w, (t) => Float32Array.from(t.read(0, t.length)));

/** Checks every tensor's length against the config's shapes; throws naming the first tensor that is off. */
export function assertWeightShapes(w: ModelTensors<{ readonly length: number }>): void {
  const c = w.config;
  const H = c.hidden_size,
    D = c.head_dim,
    Nq = c.num_attention_heads,
    Nkv = c.num_key_value_heads;
  const E = c.num_experts,
    I = c.moe_intermediate_size,
    V = c.vocab_size;
  const check = (name: string, a: { readonly length: number } | undefined, n: number) => {
    if (a === undefined || a.length !== n) {
      throw new Error(`weight ${name} has ${a?.length ?? 'no'} elements, expected ${n}`);
    }
  };
  check('embed', w.embed, V * H);
  check('finalNorm', w.finalNorm, H);
  if (!c.tie_word_embeddings) check('lmHead', w.lmHead, V * H);
  if (w.layers.length !== c.num_hidden_layers)
    throw new Error(`expected ${c.num_hidden_layers} layers, got ${w.layers.length}`);
  w.layers.forEach((l, i) => {
    const p = `layers.${i}.`;
    check(`${p}inputNorm`, l.inputNorm, H);
    check(`${p}qProj`, l.qProj, Nq * D * H);
    check(`${p}kProj`, l.kProj, Nkv * D * H);
    check(`${p}vProj`, l.vProj, Nkv * D * H);
    check(`${p}oProj`, l.oProj, H * Nq * D);
    check(`${p}qNorm`, l.qNorm, D);
    check(`${p}kNorm`, l.kNorm, D);
    check(`${p}postNorm`, l.postNorm, H);
    check(`${p}router`, l.router, E * H);
    if (l.experts.length !== E) throw new Error(`${p}experts has ${l.experts.length} entries, expected ${E}`);
    l.experts.forEach((e, j) => {
      check(`${p}experts.${j}.gate`, e.gate, I * H);
      check(`${p}experts.${j}.up`, e.up, I * H);
      check(`${p}experts.${j}.down`, e.down, H * I);
    });
  });
}
