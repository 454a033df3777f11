import * as ort from 'onnxruntime-node';
import { AccLensError } from '../errors.ts';
import { float16BitsToFloat32 } from '../onnx/tensor-proto.ts';
import { chunkedPrefillError, readContract, type IndexType, type ModelContract } from './session-contract.ts';
import { kvPairs } from './session-kv-names.ts';
import { createSession, shortReason, type OpenOptions } from './session-ep.ts';
import { readMetadataProps } from './session-metadata.ts';

export type { ModelContract } from './session-contract.ts';
export type { EpChoice, OpenOptions } from './session-ep.ts';

/** A fetched output, free of onnxruntime types so later stages need not import it. */
export interface NamedTensor {
  data: Float32Array | BigInt64Array | Int32Array;
  dims: readonly number[];
}

export interface ChunkOutputs {
  index: number;
  start: number; // first position of the chunk
  length: number; // S
  outputs: Record<string, NamedTensor>; // the names asked for in `fetch`
}

export interface PrefillOptions {
  chunkSize: number;
  /** Extra outputs to fetch for every chunk (e.g. attn_probs.3), handed to onChunk. */
  fetch?: string[];
  onChunk?: (c: ChunkOutputs) => void | Promise<void>;
  /** Return only the last position's logits [V] instead of the last chunk's [S, V]. */
  lastLogitsOnly?: boolean;
  /** Extra inputs of every chunk (an instrumented copy's acc_lens.* inputs), built from the chunk's place. */
  feeds?: (c: { index: number; start: number; length: number }) => Record<string, NamedTensor>;
}

export interface PrefillResult {
  logits: Float32Array; // [S_last, V], or [V] with lastLogitsOnly
  logitsDims: number[];
  tokens: number;
}

/** An output as acc-lens reads it: float16 (a model's logits, a plain copy's outputs) widened to float32. */
const asNamed = (t: ort.Tensor): NamedTensor => ({
  data: t.type === 'float16' ? float16BitsToFloat32(t.data as Uint16Array) : (t.data as NamedTensor['data']),
  dims: t.dims,
});

/** An index tensor (ids, mask, positions) in the dtype the graph declares. */
function indexTensor(type: IndexType, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return type === 'int32'
    ? new ort.Tensor(
        'int32',
        Int32Array.from({ length: values.length }, (_, i) => values[i]!),
        dims,
      )
    : new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: values.length }, (_, i) => BigInt(values[i]!)),
        dims,
      );
}

/** One loaded decoder: its contract, the execution provider in use, and chunked prefill over the KV cache (one pass without one). */
export class ModelSession {
  private constructor(
    readonly path: string,
    readonly ep: 'cuda' | 'cpu',
    readonly contract: ModelContract,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Opens and checks a model; see openModel. */
  static async open(path: string, o: OpenOptions = {}): Promise<ModelSession> {
    const { session, ep } = await createSession(path, o);
    const info = (m: readonly ort.InferenceSession.ValueMetadata[]) =>
      m.map((v) => (v.isTensor ? { name: v.name, shape: v.shape, type: v.type } : { name: v.name }));
    try {
      const contract = readContract(
        path,
        info(session.inputMetadata),
        info(session.outputMetadata),
        readMetadataProps(path),
      );
      return new ModelSession(path, ep, contract, session);
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /** The cache's past/present name pairs (none in no-cache mode). */
  private get kvPairs(): { past: string; present: string }[] {
    const { kvNaming, layers } = this.contract;
    return kvNaming ? kvPairs(kvNaming, layers) : [];
  }

  private emptyCache(): Record<string, ort.Tensor> {
    const { kvHeads, headDim, inputTypes } = this.contract;
    const empty = () =>
      inputTypes.kv === 'float16'
        ? new ort.Tensor('float16', new Uint16Array(0), [1, kvHeads, 0, headDim])
        : new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    return Object.fromEntries(this.kvPairs.map((p) => [p.past, empty()]));
  }

  /**
   * Runs ids (batch 1) in chunks of `chunkSize`, each chunk's presents fed back as the next pasts
   * (attention_mask all ones over P+S, position_ids P..P+S−1). Logits are fetched for the last chunk only.
   * A model without KV-cache inputs (`contract.cache === false`) runs the whole prompt as one chunk
   * whatever `chunkSize` says (mask all ones over T, position_ids 0..T−1).
   * Example: `(await m.prefill(ids, { chunkSize: 1024, lastLogitsOnly: true })).logits`.
   */
  async prefill(ids: ArrayLike<number>, o: PrefillOptions): Promise<PrefillResult> {
    if (!(o.chunkSize >= 1) || !Number.isInteger(o.chunkSize))
      throw new AccLensError('E_USAGE', `chunkSize must be a positive integer, got ${o.chunkSize}`);
    if (ids.length === 0) throw new AccLensError('E_USAGE', 'prefill needs at least one token');
    const max = this.contract.maxPositions;
    if (max !== undefined && ids.length > max)
      throw new AccLensError(
        'E_CONTEXT_TOO_LONG',
        `${ids.length} tokens exceed ${this.path}'s max_position_embeddings ${max}`,
      );
    const missing = (o.fetch ?? []).filter((n) => !this.contract.outputs.includes(n));
    if (missing.length > 0)
      throw new AccLensError('E_ONNX_CONTRACT', `${this.path} has no output ${missing.join(', ')}`);
    const chunkSize = this.contract.cache ? o.chunkSize : ids.length;
    const pairs = this.kvPairs;
    const types = this.contract.inputTypes;
    let cache = this.emptyCache();
    let logits: ort.Tensor | undefined;
    for (let start = 0, index = 0; start < ids.length; start += chunkSize, index++) {
      const S = Math.min(chunkSize, ids.length - start),
        total = start + S,
        last = total === ids.length;
      const feeds: Record<string, ort.Tensor> = {
        ...cache,
        input_ids: indexTensor(types.ids, Array.prototype.slice.call(ids, start, total) as number[], [1, S]),
      };
      if (this.contract.hasAttentionMask)
        feeds.attention_mask = indexTensor(types.mask, new Array<number>(total).fill(1), [1, total]);
      if (this.contract.hasPositionIds)
        feeds.position_ids = indexTensor(
          types.positions,
          Array.from({ length: S }, (_, i) => start + i),
          [1, S],
        );
      for (const [k, v] of Object.entries(o.feeds?.({ index, start, length: S }) ?? {}))
        feeds[k] = new ort.Tensor(v.data, [...v.dims]);
      const extra = o.fetch ?? [];
      const fetches = [
        ...new Set([...(last ? ['logits'] : []), ...(last ? [] : pairs.map((p) => p.present)), ...extra]),
      ];
      const out = await this.session.run(feeds, fetches).catch((error: unknown) => {
        // Past > 0 with several new tokens is what chunked prefill adds to a plain forward; name it.
        throw start > 0 && S > 1 ? chunkedPrefillError(this.path, start, S, shortReason(error)) : error;
      });
      if (o.onChunk) {
        const outputs: Record<string, NamedTensor> = {};
        for (const n of extra) outputs[n] = asNamed(out[n]!);
        await o.onChunk({ index, start, length: S, outputs });
      }
      if (last) logits = out.logits;
      else cache = Object.fromEntries(pairs.map((p) => [p.past, out[p.present]!]));
    }
    const { data } = asNamed(logits!) as { data: Float32Array },
      dims = [...logits!.dims];
    if (!o.lastLogitsOnly) return { logits: data, logitsDims: [dims[1]!, dims[2]!], tokens: ids.length };
    const V = dims[2]!;
    return { logits: data.slice(data.length - V), logitsDims: [V], tokens: ids.length };
  }

  /** Runs one step with explicit feeds (tests, instrumented graphs); returns the requested outputs. */
  async run(feeds: Record<string, NamedTensor>, fetches: string[]): Promise<Record<string, NamedTensor>> {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.data, [...v.dims]);
    const out = await this.session.run(f, fetches);
    return Object.fromEntries(fetches.map((n) => [n, asNamed(out[n]!)]));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens an ONNX decoder with onnxruntime-node and checks it against docs/model-contract.md.
 * Example: `const m = await openModel('models/reference/base.fused.onnx', { ep: 'auto' }); … await m.close();`
 */
export function openModel(path: string, o: OpenOptions = {}): Promise<ModelSession> {
  return ModelSession.open(path, o);
}
