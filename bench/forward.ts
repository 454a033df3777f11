import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { buildPairFiles, DEFAULT_PAIR_DIR, pairModelPath } from '../analysis/io/reference-pair.ts';
import { REFERENCE_CONFIG as C } from '../models/reference/layout.ts';

/**
 * Peak bytes of one unchunked forward over T tokens, calibrated on this machine's measurements
 * (fused 8k: 16.1 GB, unfused 8k: 19.4 GB): the [T, vocab] logits exist about three times over
 * (Gemm output, reshape, output copy); the unfused graph holds scores, masked scores and
 * probabilities [heads, T, T]; the CPU GQA kernel one scratch buffer of that size.
 */
export function unchunkedPeakEstimate(form: 'unfused' | 'fused', T: number): number {
  const logits = T * C.vocab_size * 4;
  const attention = C.num_attention_heads * T * T * 4 * (form === 'unfused' ? 3 : 1);
  return 3 * logits + attention + 0.5e9;
}

function runChild(model: string, tokens: number, chunk: number): Record<string, unknown> {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'forward-child.ts'), model, String(tokens), String(chunk)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (child.signal === 'SIGKILL') return { tokens, chunk, error: 'killed (SIGKILL): out of memory' };
  if (child.status !== 0)
    return {
      tokens,
      chunk,
      error: (child.stderr || `exit ${child.status} ${child.signal ?? ''}`).trim().split('\n').slice(-3).join(' '),
    };
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/**
 * Plain forward tokens/s and peak RSS of the reference pair's tuned model in each graph form at
 * 1k, 4k and 16k tokens: chunked prefill (1,024-token chunks, as capture runs) and one unchunked
 * pass where it fits in memory (the estimate decides; what does not fit is reported, not run).
 */
export async function benchForward(): Promise<Record<string, unknown>> {
  await buildPairFiles(DEFAULT_PAIR_DIR, { reuse: true });
  const budget = totalmem() * 0.8;
  const results: Record<string, unknown>[] = [];
  for (const form of ['fused', 'unfused'] as const) {
    const model = pairModelPath(DEFAULT_PAIR_DIR, 'tuned', form);
    for (const tokens of [1024, 4096, 16_384]) {
      process.stderr.write(`forward ${form} ${tokens} tokens, 1,024-token chunks…\n`);
      results.push({ form, mode: 'chunked', ...runChild(model, tokens, 1024) });
    }
    for (const tokens of [1024, 4096, 8192, 16_384]) {
      const estimate = unchunkedPeakEstimate(form, tokens);
      if (estimate > budget) {
        results.push({
          form,
          mode: 'unchunked',
          tokens,
          skipped: `estimated peak ${(estimate / 1e9).toFixed(1)} GB > ${(budget / 1e9).toFixed(1)} GB budget (80% of RAM)`,
        });
        continue;
      }
      process.stderr.write(`forward ${form} ${tokens} tokens, one pass…\n`);
      results.push({ form, mode: 'unchunked', estimated_peak_mb: estimate / 1e6, ...runChild(model, tokens, tokens) });
    }
  }
  return { machine: { total_memory_gb: totalmem() / 1e9 }, results };
}
