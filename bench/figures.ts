// `npm run bench -- figures`: the whole figure set (8 figures × SVG, PNG, PDF + captions) on the
// reference-shape hand-built run and on a synthetic run of Qwen3-30B-A3B shape (48 layers, 32 heads,
// 128 experts, 16k-token strips), both presets. Target: the whole set in under 10 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFigureContext } from '../analysis/figures/context.ts';
import { writeFigureSet } from '../analysis/figures/write-figures.ts';
import { writeSyntheticRun } from '../test/visual/synthetic-run.ts';
import { viewerRun } from './viewer-run.ts';

async function timeSet(runDir: string, preset: 'single-column' | 'double-column', probe?: string) {
  const out = await mkdtemp(join(tmpdir(), 'acc-lens-bench-figures-'));
  const perFigure: Record<string, number> = {};
  const t0 = performance.now();
  const ctx = await loadFigureContext(runDir, { preset, ...(probe ? { probe } : {}) });
  const report = await writeFigureSet(ctx, {
    out,
    formats: ['svg', 'png', 'pdf'],
    force: false,
    onFigure: (name, s) => (perFigure[name] = +s.toFixed(2)),
  });
  const total = +((performance.now() - t0) / 1000).toFixed(2);
  await rm(out, { recursive: true, force: true });
  return { preset, total_seconds: total, files: report.written.length, per_figure_seconds: perFigure };
}

export async function benchFigures(): Promise<Record<string, unknown>> {
  const small = await writeSyntheticRun();
  const reference = [await timeSet(small, 'double-column'), await timeSet(small, 'single-column')];
  process.stderr.write(`   reference shape: ${reference.map((r) => `${r.preset} ${r.total_seconds} s`).join(', ')}\n`);
  // The viewer benchmark's run (cached under tmp/bench-viewer/): metrics of 64 probes, 16k-token parts for the opened probes.
  const big = await viewerRun();
  const qwen = [
    await timeSet(big.dir, 'double-column', big.opened[0]),
    await timeSet(big.dir, 'single-column', big.opened[0]),
  ];
  process.stderr.write(`   Qwen3-30B-A3B shape: ${qwen.map((r) => `${r.preset} ${r.total_seconds} s`).join(', ')}\n`);
  return {
    note: 'seconds from opening the run to the last file written (8 figures × SVG + PNG at 4× + PDF + caption), one process, warm after the first set',
    reference_shape: { layers: 4, heads: 4, experts: 8, probes: 12, tokens: 404, sets: reference },
    qwen3_30b_a3b_shape: { layers: 48, heads: 32, experts: 128, probes: 64, strip_tokens: 16_416, sets: qwen },
  };
}
