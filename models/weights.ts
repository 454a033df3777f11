import type { Qwen3MoeConfig } from './config.ts';

/**
 * Weights of a Qwen3-MoE decoder as flat float32 arrays in PyTorch `nn.Linear` layout:
 * a projection from `in` to `out` features is stored row-major as [out, in], so y = W·x.
 * Shapes use the config's names: H = hidden_size, D = head_dim, Nq / Nkv = query / KV heads,
 * E = num_experts, I = moe_intermediate_size, V = vocab_size.
 */
export interface ExpertWeights {
  gate: Float32Array; // [I, H]
  up: Float32Array; // [I, H]
  down: Float32Array; // [H, I]
}

export interface LayerWeights {
  inputNorm: Float32Array; // [H]   input_layernorm gain
  qProj: Float32Array; // [Nq·D, H]
  kProj: Float32Array; // [Nkv·D, H]
  vProj: Float32Array; // [Nkv·D, H]
  oProj: Float32Array; // [H, Nq·D]
  qNorm: Float32Array; // [D]   one gain vector shared by all query heads of the layer
  kNorm: Float32Array; // [D]   shared by all KV heads of the layer
  postNorm: Float32Array; // [H] post_attention_layernorm gain
  router: Float32Array; // [E, H]
  experts: ExpertWeights[]; // E entries
}

export interface ModelWeights {
  config: Qwen3MoeConfig;
  embed: Float32Array; // [V, H]
  layers: LayerWeights[];
  finalNorm: Float32Array; // [H]
  /** [V, H]; absent when config.tie_word_embeddings (then logits = norm(h)·embedᵀ). */
  lmHead?: Float32Array;
}

/** Checks every array against the config's shapes; throws naming the first tensor that is off. */
export function assertWeightShapes(w: ModelWeights): void {
  const c = w.config;
  const H = c.hidden_size,
    D = c.head_dim,
    Nq = c.num_attention_heads,
    Nkv = c.num_key_value_heads;
  const E = c.num_experts,
    I = c.moe_intermediate_size,
    V = c.vocab_size;
  const check = (name: string, a: Float32Array | undefined, n: number) => {
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
