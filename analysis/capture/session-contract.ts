import { AccLensError } from '../errors.ts';
import { configMetadata } from './model-config.ts';
import { kvPairs, pickKvNaming, type KvNaming } from './session-kv-names.ts';

/** What the runner needs to know about a decoder export, read from its inputs and outputs. */
export interface ModelContract {
  /** false: no KV-cache inputs, so prefill runs the prompt as one chunk (docs/model-contract.md, "No-cache mode"). */
  cache: boolean;
  /** How the cache inputs/outputs are named (session-kv-names.ts); null without a cache. */
  kvNaming: KvNaming | null;
  /** From the cache inputs; without one from acc_lens.config's num_hidden_layers, else 0 (the runner needs none). */
  layers: number;
  kvHeads: number; // Nkv; 0 when unknown without a cache
  headDim: number; // D; 0 when unknown without a cache
  vocab?: number; // from logits' last dim when fixed
  hasPositionIds: boolean;
  hasAttentionMask: boolean;
  outputs: string[];
  /** The model's metadata_props (acc-lens models: acc_lens.config, acc_lens.form). */
  metadata: Record<string, string>;
  /** max_position_embeddings from acc_lens.config, when present. */
  maxPositions?: number;
  /** Element types of the inputs prefill feeds, as the graph declares them. */
  inputTypes: InputTypes;
}

/** The dtypes prefill builds its feeds in (onnxruntime-genai's builder uses int32 ids, mask and positions). */
export interface InputTypes {
  ids: IndexType;
  mask: IndexType;
  positions: IndexType;
  /** The KV cache's float type (an empty cache of it starts every probe). */
  kv: 'float32' | 'float16';
}
export type IndexType = 'int64' | 'int32';

/** The part of an ORT session's metadata the contract reads (kept free of onnxruntime types). */
export interface IoInfo {
  name: string;
  shape?: readonly (number | string)[];
  /** onnxruntime's element type name ('float32', 'float16', 'int64', …). */
  type?: string;
}

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids']);

const contractError = (path: string, what: string) =>
  new AccLensError(
    'E_ONNX_CONTRACT',
    `${path}: ${what}. Expected inputs input_ids, [attention_mask,] [position_ids,] and either past_key_values.N.key/value with outputs logits, present.N.key/value (or present_key_values.N.key/value), or no KV-cache inputs and output logits (see docs/model-contract.md).`,
  );

/**
 * Checks a decoder's inputs/outputs against docs/model-contract.md; throws E_ONNX_CONTRACT naming
 * every missing or unexpected name. A graph with no KV-cache inputs is accepted (`cache: false`).
 * Example: `readContract('m.onnx', session.inputMetadata, session.outputMetadata)`.
 */
export function readContract(
  path: string,
  inputs: readonly IoInfo[],
  outputs: readonly IoInfo[],
  metadata: Record<string, string> = {},
): ModelContract {
  const inNames = new Set(inputs.map((i) => i.name));
  const outNames = new Set(outputs.map((o) => o.name));
  const picked = pickKvNaming([...inNames], [...outNames]);
  const layers = picked?.layers ?? 0;
  const pairs = picked ? kvPairs(picked.naming, layers) : [];
  const missing: string[] = [];
  if (!inNames.has('input_ids')) missing.push('input input_ids');
  // With a cache the mask carries the past length; a no-cache graph may go without one.
  if (picked && !inNames.has('attention_mask')) missing.push('input attention_mask');
  if (!outNames.has('logits')) missing.push('output logits');
  for (const p of pairs) {
    if (!inNames.has(p.past)) missing.push(`input ${p.past}`);
    if (!outNames.has(p.present)) missing.push(`output ${p.present}`);
  }
  if (missing.length > 0) throw contractError(path, `missing ${missing.join(', ')}`);
  // acc_lens.* inputs belong to an instrumented copy; the capture stage feeds them (PrefillOptions.feeds).
  const pastNames = new Set(pairs.map((p) => p.past));
  const unknown = [...inNames].filter((n) => !KNOWN_INPUTS.has(n) && !pastNames.has(n) && !n.startsWith('acc_lens.'));
  if (unknown.length > 0)
    throw contractError(
      path,
      `unexpected inputs ${unknown.join(', ')} (acc-lens cannot feed them; KV caches must be separate key/value tensors named as in docs/model-contract.md)`,
    );
  const rankOf = (io: readonly IoInfo[], n: string) => io.find((i) => i.name === n)?.shape?.length;
  const not4d = pairs
    .flatMap(
      (p) =>
        [
          [inputs, p.past],
          [outputs, p.present],
        ] as const,
    )
    .filter(([io, n]) => {
      const r = rankOf(io, n);
      return r !== undefined && r !== 4;
    })
    .map(([, n]) => n);
  if (not4d.length > 0)
    throw contractError(
      path,
      `${not4d.join(', ')} must be 4-D [batch, Nkv, sequence, D] (a combined or transposed cache is not supported)`,
    );
  const c = configMetadata(path, metadata);
  const fromConfig = {
    ...(c.num_hidden_layers !== undefined ? { layers: c.num_hidden_layers } : {}),
    ...(c.num_key_value_heads !== undefined ? { kvHeads: c.num_key_value_heads } : {}),
    ...(c.head_dim !== undefined ? { headDim: c.head_dim } : {}),
    ...(c.max_position_embeddings !== undefined ? { maxPositions: c.max_position_embeddings } : {}),
  };
  const vocab = outputs.find((o) => o.name === 'logits')?.shape?.[2];
  const inputTypes = readInputTypes(path, inputs, pairs[0]?.past);
  const common = {
    inputTypes,
    ...(typeof vocab === 'number' ? { vocab } : {}),
    hasPositionIds: inNames.has('position_ids'),
    hasAttentionMask: inNames.has('attention_mask'),
    outputs: [...outNames],
    metadata,
    ...(fromConfig.maxPositions !== undefined ? { maxPositions: fromConfig.maxPositions } : {}),
  };
  if (!picked)
    return {
      cache: false,
      kvNaming: null,
      layers: fromConfig.layers ?? 0,
      kvHeads: fromConfig.kvHeads ?? 0,
      headDim: fromConfig.headDim ?? 0,
      ...common,
    };
  const first = picked.naming.past(0, 'key');
  const pastShape = inputs.find((i) => i.name === first)?.shape ?? [];
  const fixed = (d: number | string | undefined, fallback: number | undefined) =>
    typeof d === 'number' ? d : fallback;
  const kvHeads = fixed(pastShape[1], fromConfig.kvHeads),
    headDim = fixed(pastShape[3], fromConfig.headDim);
  if (kvHeads === undefined || headDim === undefined) {
    throw contractError(
      path,
      `${first} has shape [${pastShape.join(', ')}]; KV heads (dim 1) and head_dim (dim 3) must be fixed numbers`,
    );
  }
  return { cache: true, kvNaming: picked.naming, layers, kvHeads, headDim, ...common };
}

const INDEX_TYPES: readonly string[] = ['int64', 'int32'];
const KV_TYPES: readonly string[] = ['float32', 'float16'];

/** The declared dtypes of input_ids, attention_mask, position_ids and the cache (int64 / float32 where unstated). */
function readInputTypes(path: string, inputs: readonly IoInfo[], firstPast: string | undefined): InputTypes {
  const typeOf = (name: string | undefined) => inputs.find((i) => i.name === name)?.type;
  const bad: string[] = [];
  const index = (name: string): IndexType => {
    const t = typeOf(name) ?? 'int64';
    if (!INDEX_TYPES.includes(t)) bad.push(`${name} is ${t} (int64 or int32 expected)`);
    return t === 'int32' ? 'int32' : 'int64';
  };
  const ids = index('input_ids'),
    mask = index('attention_mask'),
    positions = index('position_ids');
  const kvType = typeOf(firstPast) ?? 'float32';
  if (!KV_TYPES.includes(kvType))
    bad.push(
      `${firstPast} is ${kvType} (float32 or float16 expected${kvType === 'bfloat16' ? ': onnxruntime-node cannot create bfloat16 tensors, so a bfloat16 cache cannot be fed from JavaScript' : ''})`,
    );
  if (bad.length > 0)
    throw new AccLensError(
      'E_ONNX_CONTRACT',
      `${path}: ${bad.join('; ')}`,
      kvType === 'bfloat16'
        ? 'Export the model with a float16 or float32 KV cache (e.g. onnxruntime-genai builder -p fp16, or optimum with --dtype fp16).'
        : 'Export input_ids, attention_mask and position_ids as int64 or int32 (docs/model-contract.md).',
    );
  return { ids, mask, positions, kv: kvType === 'float16' ? 'float16' : 'float32' };
}

/** The error for a run that fails on a chunk over a non-empty KV cache (past > 0, more than one new token). */
export function chunkedPrefillError(path: string, past: number, rows: number, reason: string): AccLensError {
  return new AccLensError(
    'E_ONNX_CONTRACT',
    `${path} cannot run chunked prefill: a chunk of ${rows} tokens over a KV cache of ${past} fails inside the model (${reason})`,
    'Capture each probe in one pass: --chunk-size at least the longest probe (e.g. --chunk-size 32768, or "chunk_size": N ≥ T in the plan); or re-export the model with a causal mask over past + new tokens (docs/bad-input.md).',
  );
}
