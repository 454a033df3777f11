/**
 * Peak RSS of a capture of one probe of T tokens through a graph without KV-cache inputs (one pass),
 * in its own process. Usage: tsx bench/nocache-peak-child.ts MODEL.onnx TOKENS OUT_DIR → one JSON line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCapture } from '../analysis/capture/run-capture.ts';

const [model, tokensArg, out] = process.argv.slice(2);
const T = Number(tokensArg);
let s = 7;
const ids = Array.from({ length: T }, () => 1000 + ((s = (s * 1103515245 + 12345) >>> 0) % 140_000));
const probes = join(out!, `probe-${T}.jsonl`);
const segments = Array.from({ length: 16 }, (_, i) => ({
  kind: i % 2 ? 'distractor' : 'evidence',
  label: `s${i}`,
  turn: 0,
  token_start: Math.floor((i * (T - 64)) / 16),
  token_end: Math.floor((i * (T - 64)) / 16) + 8,
}));
segments.push({ kind: 'question', label: 'q', turn: 0, token_start: T - 48, token_end: T - 8 });
segments.push({ kind: 'answer', label: 'answer', turn: 0, token_start: T - 8, token_end: T });
const line = {
  schema: 'acc-lens.probe/1',
  id: `p${T}`,
  family: 'mrcr',
  answer: 'x',
  source: 'bench',
  metadata: {},
  input_ids: ids,
  segments,
};
writeFileSync(probes, `${JSON.stringify(line)}\n`);
const start = performance.now();
const summary = await runCapture({
  models: [{ name: 'm', path: model! }],
  probes,
  out: join(out!, `run-${T}`),
  ep: 'cpu',
  plan: { memory_budget_bytes: 100 * 2 ** 30 },
});
process.stdout.write(
  `${JSON.stringify({ tokens: T, seconds: (performance.now() - start) / 1000, peak_rss_bytes: process.resourceUsage().maxRSS * 1024, estimate_bytes: summary.estimate.peakBytes, attention_bytes: summary.estimate.breakdown.attentionChunk })}\n`,
);
