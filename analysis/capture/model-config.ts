import { z } from 'zod';
import { parseJson } from '../io/json-file.ts';

const dim = z.number().int().positive().optional();

/**
 * The shape fields capture reads from an acc-lens model's `acc_lens.config` metadata (JSON, Hugging
 * Face names; every field optional, others kept). The full schema is models/config.ts.
 */
export const ConfigMetadataSchema = z
  .object({
    num_hidden_layers: dim,
    num_attention_heads: dim,
    num_key_value_heads: dim,
    head_dim: dim,
    vocab_size: dim,
    max_position_embeddings: dim,
  })
  .loose();
export type ConfigMetadata = z.infer<typeof ConfigMetadataSchema>;

/** The metadata key acc-lens models carry their config under (models/qwen3-moe/build-graph.ts writes it). */
export const CONFIG_METADATA_KEY = 'acc_lens.config';

/**
 * Parses a model's `acc_lens.config` metadata ({} when absent); invalid JSON or a bad field is
 * E_CONFIG_INVALID naming the model file and the field. Example: `configMetadata('m.onnx', meta).head_dim`.
 */
export function configMetadata(path: string, metadata: Readonly<Record<string, string>>): ConfigMetadata {
  const raw = metadata[CONFIG_METADATA_KEY];
  return raw === undefined ? {} : parseJson(raw, ConfigMetadataSchema, `${path}: metadata "${CONFIG_METADATA_KEY}"`);
}
