import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NamedTensor } from '../../../analysis/capture/session.ts';
import type { Qwen3MoeConfig } from '../../../models/config.ts';

/** A small Qwen3-MoE shape for tests: every dimension differs, so a swapped axis shows. */
export const TINY: Qwen3MoeConfig = {
  model_type: 'qwen3_moe',
  vocab_size: 512,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  num_experts: 8,
  num_experts_per_tok: 2,
  moe_intermediate_size: 48,
  norm_topk_prob: true,
  rope_theta: 10_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 128,
  tie_word_embeddings: false,
};

export function tempFile(name: string, bytes: Uint8Array): string {
  const p = join(mkdtempSync(join(tmpdir(), 'acc-lens-onnx-')), name);
  writeFileSync(p, bytes);
  return p;
}

export function tokenIds(T: number, vocab: number, seed = 1): number[] {
  return Array.from({ length: T }, (_, i) => (i * 131 + seed * 17 + ((i * i) % 7)) % vocab);
}

const i64 = (values: number[], dims: number[]): NamedTensor => ({ data: BigInt64Array.from(values, BigInt), dims });

/** One-shot feeds for batch 1 at positions past..past+T−1 with the given (or empty) cache. */
export function decoderFeeds(
  c: Qwen3MoeConfig,
  ids: number[],
  past = 0,
  cache?: Record<string, NamedTensor>,
): Record<string, NamedTensor> {
  const T = ids.length;
  const feeds: Record<string, NamedTensor> = {
    input_ids: i64(ids, [1, T]),
    attention_mask: i64(new Array<number>(past + T).fill(1), [1, past + T]),
    position_ids: i64(
      ids.map((_, i) => past + i),
      [1, T],
    ),
  };
  for (let L = 0; L < c.num_hidden_layers; L++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${L}.${kv}`] = cache?.[`present.${L}.${kv}`] ?? {
        data: new Float32Array(0),
        dims: [1, c.num_key_value_heads, 0, c.head_dim],
      };
    }
  }
  return feeds;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function presentNames(c: Qwen3MoeConfig): string[] {
  return Array.from({ length: c.num_hidden_layers }, (_, L) => [`present.${L}.key`, `present.${L}.value`]).flat();
}
