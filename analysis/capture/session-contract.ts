import { AccLensError } from '../errors.ts';

/** What the runner needs to know about a decoder export, read from its inputs and outputs. */
export interface ModelContract {
  layers: number;
  kvHeads: number; // Nkv
  headDim: number; // D
  vocab?: number; // from logits' last dim when fixed
  hasPositionIds: boolean;
  outputs: string[];
  /** The model's metadata_props (acc-lens models: acc_lens.config, acc_lens.form). */
  metadata: Record<string, string>;
  /** max_position_embeddings from acc_lens.config, when present. */
  maxPositions?: number;
}

/** The few config fields the runner reads from acc_lens.config (the full schema lives with the models). */
function configFields(metadata: Record<string, string>): { kvHeads?: number; headDim?: number; maxPositions?: number } {
  try {
    const c = JSON.parse(metadata['acc_lens.config'] ?? 'null') as Record<string, unknown> | null;
    const num = (k: string) => (typeof c?.[k] === 'number' ? { [k]: c[k] as number } : {});
    const f = { ...num('num_key_value_heads'), ...num('head_dim'), ...num('max_position_embeddings') };
    return {
      ...(f.num_key_value_heads !== undefined ? { kvHeads: f.num_key_value_heads } : {}),
      ...(f.head_dim !== undefined ? { headDim: f.head_dim } : {}),
      ...(f.max_position_embeddings !== undefined ? { maxPositions: f.max_position_embeddings } : {}),
    };
  } catch {
    return {};
  }
}

/** The part of an ORT session's metadata the contract reads (kept free of onnxruntime types). */
export interface IoInfo {
  name: string;
  shape?: readonly (number | string)[];
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids']);

const contractError = (path: string, what: string) =>
  new AccLensError('E_ONNX_CONTRACT', `${path}: ${what}. Expected inputs input_ids, attention_mask, [position_ids,] past_key_values.N.key/value and outputs logits, present.N.key/value (see docs/model-contract.md).`);

/**
 * Checks a decoder's inputs/outputs against docs/model-contract.md; throws E_ONNX_CONTRACT naming
 * every missing or unexpected name. Example: `readContract('m.onnx', session.inputMetadata, session.outputMetadata)`.
 */
export function readContract(path: string, inputs: readonly IoInfo[], outputs: readonly IoInfo[], metadata: Record<string, string> = {}): ModelContract {
  const inNames = new Set(inputs.map((i) => i.name));
  const outNames = new Set(outputs.map((o) => o.name));
  const layerIds = new Set<number>();
  for (const n of inNames) {
    const m = PAST.exec(n);
    if (m) layerIds.add(Number(m[1]));
  }
  const layers = layerIds.size === 0 ? 0 : Math.max(...layerIds) + 1;
  const missing: string[] = [];
  for (const n of ['input_ids', 'attention_mask']) if (!inNames.has(n)) missing.push(`input ${n}`);
  if (!outNames.has('logits')) missing.push('output logits');
  if (layers === 0) missing.push('inputs past_key_values.N.key/value');
  for (let L = 0; L < layers; L++) {
    for (const kv of ['key', 'value']) {
      if (!inNames.has(`past_key_values.${L}.${kv}`)) missing.push(`input past_key_values.${L}.${kv}`);
      if (!outNames.has(`present.${L}.${kv}`)) missing.push(`output present.${L}.${kv}`);
    }
  }
  if (missing.length > 0) throw contractError(path, `missing ${missing.join(', ')}`);
  // acc_lens.* inputs belong to an instrumented copy; the capture stage feeds them (PrefillOptions.feeds).
  const unknown = [...inNames].filter((n) => !KNOWN_INPUTS.has(n) && !PAST.test(n) && !n.startsWith('acc_lens.'));
  if (unknown.length > 0) throw contractError(path, `unexpected inputs ${unknown.join(', ')} (acc-lens cannot feed them)`);
  const pastShape = inputs.find((i) => i.name === 'past_key_values.0.key')?.shape ?? [];
  const fromConfig = configFields(metadata);
  const fixed = (d: number | string | undefined, fallback: number | undefined) => (typeof d === 'number' ? d : fallback);
  const kvHeads = fixed(pastShape[1], fromConfig.kvHeads), headDim = fixed(pastShape[3], fromConfig.headDim);
  if (kvHeads === undefined || headDim === undefined) {
    throw contractError(path, `past_key_values.0.key has shape [${pastShape.join(', ')}]; KV heads (dim 1) and head_dim (dim 3) must be fixed numbers`);
  }
  const vocab = outputs.find((o) => o.name === 'logits')?.shape?.[2];
  return {
    layers,
    kvHeads,
    headDim,
    ...(typeof vocab === 'number' ? { vocab } : {}),
    hasPositionIds: inNames.has('position_ids'),
    outputs: [...outNames],
    metadata,
    ...(fromConfig.maxPositions !== undefined ? { maxPositions: fromConfig.maxPositions } : {}),
  };
}
