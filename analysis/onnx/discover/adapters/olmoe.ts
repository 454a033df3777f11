import { layersIndex, type FamilyAdapter } from './adapter.ts';

// HF OlmoeForCausalLM: q_norm/k_norm span the whole projection (not per head), router at model.layers.N.mlp.gate.
// Names overlap with Qwen3-MoE; the graph's producer/doc strings decide when both match, so this one checks "olmoe".
export const olmoe: FamilyAdapter = {
  family: 'olmoe',
  detect: (names) => names.some((n) => /olmoe/i.test(n)),
  layerOf: layersIndex,
};
