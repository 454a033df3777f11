import { layersIndex, type FamilyAdapter } from './adapter.ts';

// HF Qwen3MoeForCausalLM: model.layers.N.self_attn.{q,k}_norm (per-head RMSNorm), model.layers.N.mlp.gate (router).
export const qwen3Moe: FamilyAdapter = {
  family: 'qwen3-moe',
  detect: (names) =>
    names.some((n) => /self_attn[./]q_norm/.test(n)) && names.some((n) => /mlp[./]gate(?![_a-z])/.test(n)),
  layerOf: layersIndex,
};
