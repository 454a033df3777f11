import { describe, expect, it } from 'vitest';
import { QWEN3_30B_A3B } from '../../../models/config.ts';
import { denseLayers, hfToQwen3MoeConfig } from '../../../models/hf/config.ts';

/** The fields of Qwen/Qwen3-30B-A3B's config.json (transformers 4.51 layout), written out here. */
const QWEN3_30B_CONFIG = {
  architectures: ['Qwen3MoeForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  decoder_sparse_step: 1,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 6144,
  max_position_embeddings: 40960,
  max_window_layers: 48,
  mlp_only_layers: [],
  model_type: 'qwen3_moe',
  moe_intermediate_size: 768,
  norm_topk_prob: true,
  num_attention_heads: 32,
  num_experts: 128,
  num_experts_per_tok: 8,
  num_hidden_layers: 48,
  num_key_value_heads: 4,
  output_router_logits: false,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000.0,
  router_aux_loss_coef: 0.001,
  sliding_window: null,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

const error = (raw: unknown): string => {
  try {
    hfToQwen3MoeConfig(raw, 'ck/config.json');
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'accepted';
};

describe('hfToQwen3MoeConfig', () => {
  it("Qwen3-30B-A3B's config.json gives exactly the published shape (QWEN3_30B_A3B)", () => {
    expect(hfToQwen3MoeConfig(QWEN3_30B_CONFIG, 'config.json')).toEqual(QWEN3_30B_A3B);
  });

  it("fields a config may omit take Hugging Face's defaults (norm_topk_prob false, head_dim = hidden / heads)", () => {
    const { norm_topk_prob, head_dim, tie_word_embeddings, ...rest } = QWEN3_30B_CONFIG;
    void [norm_topk_prob, head_dim, tie_word_embeddings];
    const c = hfToQwen3MoeConfig(rest, 'config.json');
    expect(c.norm_topk_prob).toBe(false);
    expect(c.head_dim).toBe(2048 / 32);
    expect(c.tie_word_embeddings).toBe(false);
  });

  it('reads rope_theta from rope_parameters (newer transformers) and accepts rope_type "default"', () => {
    const { rope_theta, rope_scaling, ...rest } = QWEN3_30B_CONFIG;
    void [rope_theta, rope_scaling];
    expect(
      hfToQwen3MoeConfig({ ...rest, rope_parameters: { rope_type: 'default', rope_theta: 1e7 } }, 'c').rope_theta,
    ).toBe(1e7);
  });

  it('other architectures are refused naming what they are and what is supported', () => {
    expect(error({ ...QWEN3_30B_CONFIG, model_type: 'mixtral', architectures: ['MixtralForCausalLM'] })).toMatch(
      /^E_CONFIG_INVALID: ck\/config\.json: model_type "mixtral" \(MixtralForCausalLM\) is not supported — Mixtral: .*reads qwen3_moe \(Qwen3MoeForCausalLM/,
    );
    expect(error({ ...QWEN3_30B_CONFIG, model_type: 'olmoe' })).toMatch(/OLMoE: q\/k norm over the whole projection/);
    expect(error({ model_type: 'llama' })).toMatch(
      /model_type "llama" is not supported; acc-lens models import reads qwen3_moe/,
    );
    expect(error([])).toMatch(/model_type null is not supported/);
    expect(error({ ...QWEN3_30B_CONFIG, architectures: ['Qwen3MoeForSequenceClassification'] })).toMatch(
      /do not include Qwen3MoeForCausalLM/,
    );
  });

  it('dense MLP layers are refused by layer: mlp_only_layers and decoder_sparse_step', () => {
    expect(denseLayers({ num_hidden_layers: 4, num_experts: 8, decoder_sparse_step: 2, mlp_only_layers: [] })).toEqual([
      0, 2,
    ]);
    expect(denseLayers({ num_hidden_layers: 4, num_experts: 8, decoder_sparse_step: 1, mlp_only_layers: [3] })).toEqual(
      [3],
    );
    expect(error({ ...QWEN3_30B_CONFIG, mlp_only_layers: [0, 47] })).toMatch(
      /layer\(s\) 0, 47 are dense MLP layers \(mlp_only_layers \[0,47\]/,
    );
    expect(error({ ...QWEN3_30B_CONFIG, decoder_sparse_step: 2, num_hidden_layers: 4 })).toMatch(
      /layer\(s\) 0, 2 are dense MLP layers/,
    );
  });

  it('options the graphs would get silently wrong are refused by field', () => {
    expect(error({ ...QWEN3_30B_CONFIG, rope_scaling: { rope_type: 'yarn', factor: 4 } })).toMatch(
      /rope_scaling type "yarn" is not supported/,
    );
    expect(error({ ...QWEN3_30B_CONFIG, attention_bias: true })).toMatch(/attention_bias true/);
    expect(error({ ...QWEN3_30B_CONFIG, use_sliding_window: true })).toMatch(/use_sliding_window true/);
    expect(error({ ...QWEN3_30B_CONFIG, hidden_act: 'gelu' })).toMatch(/hidden_act "gelu"/);
    expect(error({ ...QWEN3_30B_CONFIG, quantization_config: { quant_method: 'fp8' } })).toMatch(
      /quant_method "fp8"\): quantized checkpoints/,
    );
    expect(error({ ...QWEN3_30B_CONFIG, num_key_value_heads: 5 })).toMatch(/multiple of num_key_value_heads/);
    expect(error({ ...QWEN3_30B_CONFIG, hidden_size: '2048' })).toMatch(/field hidden_size/);
  });
});
