import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHfCheckpoint } from '../analysis/io/hf-checkpoint-write.ts';
import { QWEN3_30B_A3B, type Qwen3MoeConfig } from '../models/config.ts';
import { randomLazyWeights } from '../models/qwen3-moe/random-weights.ts';

/** ≈ 2.66 GB in float32 (1.33 GB in BF16): Qwen3's vocabulary and head, 8 layers × 64 experts. */
export const IMPORT_BENCH_CONFIG: Qwen3MoeConfig = {
  model_type: 'qwen3_moe',
  vocab_size: 151_936,
  hidden_size: 512,
  num_hidden_layers: 8,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  head_dim: 64,
  num_experts: 64,
  num_experts_per_tok: 4,
  moe_intermediate_size: 640,
  norm_topk_prob: true,
  rope_theta: 1_000_000,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
};

function importChild(hf: string, out: string, form: string, dtype: string): Record<string, unknown> {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), hf, out, form, dtype],
    {
      encoding: 'utf8',
    },
  );
  rmSync(out, { recursive: true, force: true });
  if (child.status !== 0)
    return { error: (child.stderr || `exit ${child.status}`).trim().split('\n').slice(-3).join(' ') };
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    seconds: number;
    cpu_seconds: number;
    written_bytes: number;
    source_bytes: number;
    peak_rss_mb: number;
  };
  return {
    ...r,
    written_gb_per_s: +(r.written_bytes / 1e9 / r.seconds).toFixed(3),
    // What the machine would do unshared: bytes written per CPU second (reading, converting, hashing, writing).
    written_gb_per_cpu_s: +(r.written_bytes / 1e9 / r.cpu_seconds).toFixed(3),
    read_gb_per_s: +((r.source_bytes * (form === 'both' ? 2 : 1)) / 1e9 / r.seconds).toFixed(3),
    peak_rss_fraction_of_checkpoint: +((r.peak_rss_mb * 2 ** 20) / r.source_bytes).toFixed(4),
  };
}

/**
 * `acc-lens models import` on a multi-GB checkpoint made on the fly (random weights, 3 shards): throughput
 * (GB written per second, weights hashed on the way) and peak RSS of the importing process, per source
 * dtype, output dtype and forms. Each import runs in its own process; everything is deleted afterwards.
 */
export async function benchImport(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'acc-lens-bench-import-'));
  try {
    const w = randomLazyWeights(IMPORT_BENCH_CONFIG, 11);
    const made: Record<string, number> = {};
    for (const dtype of ['F32', 'BF16'] as const) {
      process.stderr.write(`import: writing a ${dtype} checkpoint…\n`);
      const t = performance.now();
      writeHfCheckpoint(join(root, dtype), w, { dtype, shards: 3 });
      made[dtype] = +((performance.now() - t) / 1000).toFixed(1);
    }
    const cases = [
      { source: 'F32', form: 'fused', dtype: 'fp32' },
      { source: 'BF16', form: 'fused', dtype: 'fp32' },
      { source: 'BF16', form: 'fused', dtype: 'fp16' },
      { source: 'BF16', form: 'both', dtype: 'fp16' },
    ];
    const results = cases.map((c) => {
      process.stderr.write(`import: ${c.source} → ${c.form} ${c.dtype}…\n`);
      return { ...c, ...importChild(join(root, c.source), join(root, 'out'), c.form, c.dtype) };
    });
    rmSync(join(root, 'F32'), { recursive: true });
    // One decoder layer at Qwen3-30B-A3B's exact shape (128 experts × 768, hidden 2,048, 151,936-token head):
    // peak RSS depends on the largest pieces, not on the layer count, so this is the 48-layer model's peak.
    process.stderr.write('import: one layer at Qwen3-30B-A3B shape (BF16 → fused fp16)…\n');
    const shape30b = { ...QWEN3_30B_A3B, num_hidden_layers: 1 };
    writeHfCheckpoint(join(root, '30b'), randomLazyWeights(shape30b, 12), { dtype: 'BF16', shards: 2 });
    const oneLayer30b = { config: shape30b, ...importChild(join(root, '30b'), join(root, 'out'), 'fused', 'fp16') };
    return {
      config: IMPORT_BENCH_CONFIG,
      checkpoint_write_seconds: made,
      load_average_1m: +loadavg()[0]!.toFixed(2),
      results,
      qwen3_30b_a3b_one_layer_bf16_to_fused_fp16: oneLayer30b,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
