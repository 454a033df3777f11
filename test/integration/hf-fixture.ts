import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeHfCheckpoint, type WriteCheckpointOptions } from '../../analysis/io/hf-checkpoint-write.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import { randomLazyWeights, randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import type { ModelWeights } from '../../models/weights.ts';

/** A small Qwen3-MoE shape whose every dimension differs (a swapped axis shows). */
export const SMALL: Qwen3MoeConfig = {
  model_type: 'qwen3_moe',
  vocab_size: 300,
  hidden_size: 64,
  num_hidden_layers: 3,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  num_experts: 8,
  num_experts_per_tok: 2,
  moe_intermediate_size: 40,
  norm_topk_prob: true,
  rope_theta: 1_000_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 256,
  tie_word_embeddings: false,
};

const made: string[] = [];

/** A fresh folder under the OS temp dir; `removeTempDirs()` (in afterAll) deletes every one made. */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `acc-lens-${tag}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a checkpoint of random weights (seeded) and returns its folder and the float32 weights it was made from. */
export function checkpoint(
  config: Partial<Qwen3MoeConfig>,
  o: WriteCheckpointOptions,
  seed = 1,
): { dir: string; weights: ModelWeights } {
  const weights = randomWeights({ ...SMALL, ...config }, seed);
  const dir = join(tempDir('hf'), 'ckpt');
  writeHfCheckpoint(dir, weights, o);
  return { dir, weights };
}

/** Like `checkpoint`, from index-hashed random weights that never sit in memory (big checkpoints). */
export function lazyCheckpoint(
  config: Partial<Qwen3MoeConfig>,
  o: WriteCheckpointOptions,
  seed = 1,
  parent = tempDir('hf'),
): string {
  const dir = join(parent, 'ckpt');
  writeHfCheckpoint(dir, randomLazyWeights({ ...SMALL, ...config }, seed), o);
  return dir;
}

/** `OUT.partial-*` folders beside `out` (a failed or killed import's leftovers). */
export const partials = (out: string): string[] =>
  existsSync(dirname(out)) ? readdirSync(dirname(out)).filter((n) => n.startsWith(`${basename(out)}.partial-`)) : [];
