import { z } from 'zod';

/**
 * A Qwen3-MoE decoder's shape, with Hugging Face `config.json` field names so a real
 * checkpoint's config validates as-is. Every dimension the builders use comes from here.
 */
export const Qwen3MoeConfigSchema = z
  .object({
    model_type: z.literal('qwen3_moe').default('qwen3_moe'),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive(),
    head_dim: z
      .number()
      .int()
      .positive()
      .refine((d) => d % 2 === 0, 'head_dim must be even (RoPE pairs)'),
    num_experts: z.number().int().positive(),
    num_experts_per_tok: z.number().int().positive(),
    moe_intermediate_size: z.number().int().positive(),
    norm_topk_prob: z.boolean().default(true),
    rope_theta: z.number().positive(),
    rms_norm_eps: z.number().positive(),
    max_position_embeddings: z.number().int().positive(),
    tie_word_embeddings: z.boolean().default(false),
  })
  .refine((c) => c.num_attention_heads % c.num_key_value_heads === 0, {
    message: 'num_attention_heads must be a multiple of num_key_value_heads (grouped-query attention)',
  })
  .refine((c) => c.num_experts_per_tok <= c.num_experts, {
    message: 'num_experts_per_tok must not exceed num_experts',
  });

export type Qwen3MoeConfig = z.infer<typeof Qwen3MoeConfigSchema>;

/** Qwen3-30B-A3B's published shape (for documentation, shape tests and memory estimates). */
export const QWEN3_30B_A3B: Qwen3MoeConfig = {
  model_type: 'qwen3_moe',
  vocab_size: 151_936,
  hidden_size: 2048,
  num_hidden_layers: 48,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  num_experts: 128,
  num_experts_per_tok: 8,
  moe_intermediate_size: 768,
  norm_topk_prob: true,
  rope_theta: 1_000_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 40_960,
  tie_word_embeddings: false,
};
