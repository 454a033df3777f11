import { layersIndex, type FamilyAdapter } from './adapter.ts';

// HF MixtralForCausalLM: model.layers.N.block_sparse_moe.gate is the router; attention has no q/k norm.
export const mixtral: FamilyAdapter = {
  family: 'mixtral',
  detect: (names) => names.some((n) => /block_sparse_moe/.test(n)),
  layerOf: layersIndex,
};
