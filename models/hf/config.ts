import { z } from 'zod';
import { AccLensError } from '../../analysis/errors.ts';
import { Qwen3MoeConfigSchema, type Qwen3MoeConfig } from '../config.ts';

/** What `acc-lens models import` reads, for error messages. */
export const SUPPORTED = 'qwen3_moe (Qwen3MoeForCausalLM: Qwen3-30B-A3B, Qwen3-235B-A22B and their fine-tunes)';

/** Mixture-of-experts families people will try, with what differs from Qwen3-MoE (docs/bring-your-own-model.md). */
const OTHER_FAMILIES: Record<string, string> = {
  mixtral: 'Mixtral: no q/k norm, top-2 routing, block_sparse_moe.experts.N.w1/w2/w3 names',
  olmoe: 'OLMoE: q/k norm over the whole projection (not per head)',
  qwen2_moe: 'Qwen2-MoE: shared expert and no q/k norm',
  qwen3_next: 'Qwen3-Next: hybrid linear attention and shared experts',
  qwen3_vl_moe: 'Qwen3-VL-MoE: a vision-language wrapper (text_config)',
  deepseek_v2: 'DeepSeek-V2: multi-head latent attention and shared experts',
  deepseek_v3: 'DeepSeek-V3: multi-head latent attention, shared experts and sigmoid routing',
  gpt_oss: 'gpt-oss: sink attention and MXFP4 experts',
  qwen3: 'Qwen3 (dense): no experts',
};

// Fields acc-lens reads, with Hugging Face's own defaults where a config may omit them (Qwen3MoeConfig).
const HfQwen3MoeSchema = z
  .object({
    model_type: z.string(),
    architectures: z.array(z.string()).optional(),
    vocab_size: z.number().int().positive().default(151_936),
    hidden_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive(),
    head_dim: z.number().int().positive().nullish(),
    num_experts: z.number().int().nonnegative(),
    num_experts_per_tok: z.number().int().positive(),
    moe_intermediate_size: z.number().int().positive(),
    norm_topk_prob: z.boolean().default(false),
    rope_theta: z.number().positive().optional(),
    rope_scaling: z.record(z.string(), z.unknown()).nullish(),
    rope_parameters: z.record(z.string(), z.unknown()).nullish(),
    rms_norm_eps: z.number().positive().default(1e-6),
    max_position_embeddings: z.number().int().positive().default(32_768),
    tie_word_embeddings: z.boolean().default(false),
    hidden_act: z.string().default('silu'),
    attention_bias: z.boolean().default(false),
    use_sliding_window: z.boolean().default(false),
    decoder_sparse_step: z.number().int().positive().default(1),
    mlp_only_layers: z.array(z.number().int().nonnegative()).nullish(),
    quantization_config: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();

const refuse = (file: string, what: string, fix: string): never => {
  throw new AccLensError('E_CONFIG_INVALID', `${file}: ${what}`, fix);
};

/** The layers HF builds as dense MLPs instead of MoE blocks (Qwen3MoeDecoderLayer's rule). */
export function denseLayers(c: {
  num_hidden_layers: number;
  num_experts: number;
  decoder_sparse_step: number;
  mlp_only_layers?: number[] | null;
}): number[] {
  const only = new Set(c.mlp_only_layers ?? []);
  return Array.from({ length: c.num_hidden_layers }, (_, L) => L).filter(
    (L) => only.has(L) || !(c.num_experts > 0 && (L + 1) % c.decoder_sparse_step === 0),
  );
}

function ropeTheta(file: string, h: z.infer<typeof HfQwen3MoeSchema>): number {
  // transformers ≥ 4.56 may write rope settings as rope_parameters {rope_type, rope_theta}; older ones rope_theta + rope_scaling.
  const params = h.rope_parameters ?? undefined;
  const scaling = h.rope_scaling ?? undefined;
  for (const [field, value] of [
    ['rope_scaling', scaling],
    ['rope_parameters', params],
  ] as const) {
    const type = value?.rope_type ?? value?.type;
    if (value !== undefined && type !== undefined && type !== 'default')
      refuse(
        file,
        `${field} type "${String(type)}" is not supported (acc-lens builds plain RoPE)`,
        `Remove ${field} from config.json to import the model at its native context (${h.max_position_embeddings} positions), or export it yourself (docs/model-contract.md).`,
      );
  }
  const theta = h.rope_theta ?? (typeof params?.rope_theta === 'number' ? params.rope_theta : undefined) ?? 10_000;
  return theta;
}

/**
 * A Hugging Face config.json → the builder's Qwen3MoeConfig. Refuses, naming the field, anything the
 * graphs would silently get wrong: other architectures, quantized checkpoints, biased attention,
 * sliding windows, RoPE scaling, non-SiLU experts, dense MLP layers.
 * Example: `hfToQwen3MoeConfig(JSON.parse(readFileSync('config.json', 'utf8')), 'config.json')`.
 */
export function hfToQwen3MoeConfig(raw: unknown, file: string): Qwen3MoeConfig {
  const type = (raw as { model_type?: unknown } | null)?.model_type;
  if (type !== 'qwen3_moe') {
    const arch = (raw as { architectures?: unknown } | null)?.architectures;
    const known = typeof type === 'string' ? OTHER_FAMILIES[type] : undefined;
    refuse(
      file,
      `model_type ${JSON.stringify(type ?? null)}${Array.isArray(arch) ? ` (${arch.join(', ')})` : ''} is not supported${known ? ` — ${known}` : ''}; acc-lens models import reads ${SUPPORTED}`,
      'Export other architectures to ONNX yourself (docs/model-contract.md); docs/bring-your-own-model.md says what differs for Mixtral and OLMoE.',
    );
  }
  const parsed = HfQwen3MoeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(file, `field ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'Fix the named field of config.json.');
  }
  const h = parsed.data!;
  if (h.architectures && !h.architectures.includes('Qwen3MoeForCausalLM'))
    refuse(
      file,
      `architectures ${JSON.stringify(h.architectures)} do not include Qwen3MoeForCausalLM`,
      `acc-lens models import reads ${SUPPORTED}.`,
    );
  if (h.quantization_config)
    refuse(
      file,
      `quantization_config (quant_method ${JSON.stringify(h.quantization_config.quant_method ?? '?')}): quantized checkpoints are not supported`,
      'Download the BF16 release of the model (e.g. Qwen/Qwen3-30B-A3B, not -FP8).',
    );
  if (h.hidden_act !== 'silu')
    refuse(
      file,
      `hidden_act "${h.hidden_act}" (acc-lens builds SwiGLU experts: silu)`,
      'Export the model yourself (docs/model-contract.md).',
    );
  if (h.attention_bias)
    refuse(
      file,
      'attention_bias true (q/k/v/o projections with biases are not built)',
      'Export the model yourself (docs/model-contract.md).',
    );
  if (h.use_sliding_window)
    refuse(
      file,
      'use_sliding_window true (sliding-window attention is not built)',
      'Set use_sliding_window to false if the model was trained without it, or export it yourself.',
    );
  const dense = denseLayers(h);
  if (dense.length > 0)
    refuse(
      file,
      `layer(s) ${dense.join(', ')} are dense MLP layers (mlp_only_layers ${JSON.stringify(h.mlp_only_layers ?? [])}, decoder_sparse_step ${h.decoder_sparse_step}, num_experts ${h.num_experts}); acc-lens builds every layer as an MoE block`,
      'Released Qwen3-MoE checkpoints have mlp_only_layers [] and decoder_sparse_step 1; export models with dense layers yourself (docs/model-contract.md).',
    );
  const config = Qwen3MoeConfigSchema.safeParse({
    model_type: 'qwen3_moe',
    vocab_size: h.vocab_size,
    hidden_size: h.hidden_size,
    num_hidden_layers: h.num_hidden_layers,
    num_attention_heads: h.num_attention_heads,
    num_key_value_heads: h.num_key_value_heads,
    head_dim: h.head_dim ?? Math.floor(h.hidden_size / h.num_attention_heads),
    num_experts: h.num_experts,
    num_experts_per_tok: h.num_experts_per_tok,
    moe_intermediate_size: h.moe_intermediate_size,
    norm_topk_prob: h.norm_topk_prob,
    rope_theta: ropeTheta(file, h),
    rms_norm_eps: h.rms_norm_eps,
    max_position_embeddings: h.max_position_embeddings,
    tie_word_embeddings: h.tie_word_embeddings,
  });
  if (!config.success) {
    const issue = config.error.issues[0]!;
    refuse(file, `${issue.path.join('.') || 'config'}: ${issue.message}`, 'Fix the named field of config.json.');
  }
  return config.data!;
}
