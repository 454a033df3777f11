// Capture vs plain forward vs naive "return every attention map", on the reference pair, each
// configuration in its own child process so peak RSS (getrusage maxRSS) is its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

type Mode = 'plain' | 'capture' | 'naive';
interface ChildArgs {
  mode: Mode;
  tokens: number;
  model: string;
  plan?: Record<string, unknown>;
}
interface ChildResult {
  mode: Mode;
  tokens: number;
  run_seconds: number;
  setup_seconds: number;
  peak_rss_bytes: number;
  fetched_bytes: number;
}

export interface BenchCaptureOptions {
  tokens?: number[];
  /** Model file (default: the reference pair's base model, fused form). */
  model?: string;
  /** Largest naive capture to run: its attention maps (layers × heads × T² × 4 bytes) must stay under this. */
  naiveMaxMapBytes?: number;
  out?: string | null;
}

const LAYERS = 4,
  HEADS = 4;
const mapBytes = (T: number): number => LAYERS * HEADS * T * T * 4;

/** Synthetic probe: LCG ids, 20 evidence/distractor segments, a 64-token question, a 16-token answer at the end. */
function benchProbe(T: number) {
  let s = 12345;
  const ids = Int32Array.from({ length: T }, () => 1000 + ((s = (s * 1103515245 + 12345) >>> 0) % 140_000));
  const segments = Array.from({ length: 20 }, (_, i) => ({
    kind: i % 2 ? 'distractor' : 'evidence',
    token_start: Math.floor((i * (T - 100)) / 20),
    token_end: Math.floor((i * (T - 100)) / 20) + Math.max(4, Math.floor(T / 80)),
  }));
  segments.push(
    { kind: 'question', token_start: T - 80, token_end: T - 16 },
    { kind: 'answer', token_start: T - 16, token_end: T },
  );
  return { id: `bench-${T}`, input_ids: ids, prompt_tokens: T - 16, answer_span: { start: T - 16, end: T }, segments };
}

async function child(a: ChildArgs): Promise<ChildResult> {
  const { openModel } = await import('../analysis/capture/session.ts');
  const probe = benchProbe(a.tokens);
  const t0 = performance.now();
  let run: number,
    setup: number,
    fetched = 0;
  if (a.mode === 'plain') {
    const m = await openModel(a.model, { ep: 'cpu' });
    setup = performance.now() - t0;
    const t1 = performance.now();
    await m.prefill(probe.input_ids, { chunkSize: 1024, lastLogitsOnly: true });
    run = performance.now() - t1;
    await m.close();
  } else if (a.mode === 'capture') {
    const { instrumentForCapture } = await import('../analysis/capture/instrument.ts');
    const { captureUnit } = await import('../analysis/capture/capture-unit.ts');
    const { probeFeeds } = await import('../analysis/capture/chunk-feeds.ts');
    const { parsePlan } = await import('../analysis/capture/plan.ts');
    const DEFAULT_PLAN = parsePlan(a.plan ?? {});
    const inst = instrumentForCapture(a.model, DEFAULT_PLAN);
    const m = await openModel(inst.path, { ep: 'cpu' });
    setup = performance.now() - t0;
    const t1 = performance.now();
    const tables = await captureUnit(m, inst.layout, probeFeeds(probe, DEFAULT_PLAN), DEFAULT_PLAN);
    run = performance.now() - t1;
    fetched = Object.values(tables).reduce(
      (s, t) => s + Object.values(t as Record<string, ArrayLike<unknown>>)[0]!.length,
      0,
    );
    await m.close();
    inst.dispose();
  } else {
    // What output_attentions does: one forward over the whole prompt, every layer's [heads, T, T] map returned and kept.
    const { readModel } = await import('../analysis/onnx/read-model.ts');
    const { discoverModel } = await import('../analysis/onnx/discover/index.ts');
    const { instrumentModel, planInstrumentation, writeModel } = await import('../analysis/onnx/instrument/index.ts');
    const loaded = readModel(a.model);
    const plan = planInstrumentation(discoverModel(loaded.model));
    const dir = mkdtempSync(join(tmpdir(), 'acc-lens-naive-'));
    const path = writeModel(
      loaded,
      instrumentModel(loaded.model, { ...plan, tensors: plan.tensors.filter((t) => t.kind === 'attn_probs') }),
      join(dir, 'naive.onnx'),
    );
    const m = await openModel(path, { ep: 'cpu' });
    setup = performance.now() - t0;
    const kept: unknown[] = [];
    const t1 = performance.now();
    await m.prefill(probe.input_ids, {
      chunkSize: a.tokens,
      fetch: plan.tensors.filter((t) => t.kind === 'attn_probs').map((t) => t.name),
      onChunk: (c) => {
        for (const t of Object.values(c.outputs)) {
          kept.push(t.data);
          fetched += t.data.byteLength;
        }
      },
    });
    run = performance.now() - t1;
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    mode: a.mode,
    tokens: a.tokens,
    run_seconds: run / 1000,
    setup_seconds: setup / 1000,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    fetched_bytes: fetched,
  };
}

function inChild(a: ChildArgs): ChildResult {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', JSON.stringify(a)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`bench child ${a.mode} ${a.tokens} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as ChildResult;
}

/**
 * Runs the capture benchmark: per prompt length, the plain chunked forward (1,024-token chunks), capture
 * with the default plan, and the naive capture where it fits; returns (and writes) times, peak RSS and ratios.
 * Example: `await benchCapture({ tokens: [1024] })`.
 */
export async function benchCapture(opts: BenchCaptureOptions = {}): Promise<Record<string, unknown>> {
  const tokens = opts.tokens ?? [1024, 4096, 16384];
  const model = opts.model ?? join('models', 'reference-pair', 'base.fused.onnx');
  const naiveMax = opts.naiveMaxMapBytes ?? Math.min(2 * 2 ** 30, totalmem() / 8);
  const rows: Record<string, unknown>[] = [];
  for (const T of tokens) {
    const plain = inChild({ mode: 'plain', tokens: T, model });
    const capture = inChild({ mode: 'capture', tokens: T, model });
    const naive = mapBytes(T) <= naiveMax ? inChild({ mode: 'naive', tokens: T, model }) : null;
    rows.push({
      tokens: T,
      plain,
      capture,
      naive,
      naive_attention_map_bytes: mapBytes(T),
      naive_skipped:
        naive === null
          ? `attention maps alone need ${(mapBytes(T) / 2 ** 30).toFixed(1)} GiB (limit ${(naiveMax / 2 ** 30).toFixed(1)} GiB)`
          : null,
      capture_over_plain_time: capture.run_seconds / plain.run_seconds,
      capture_over_plain_rss: capture.peak_rss_bytes / plain.peak_rss_bytes,
      naive_over_plain_time: naive ? naive.run_seconds / plain.run_seconds : null,
      naive_over_plain_rss: naive ? naive.peak_rss_bytes / plain.peak_rss_bytes : null,
    });
    process.stderr.write(
      `capture bench ${T}: plain ${plain.run_seconds.toFixed(1)} s ${(plain.peak_rss_bytes / 2 ** 30).toFixed(2)} GiB, capture ${capture.run_seconds.toFixed(1)} s ${(capture.peak_rss_bytes / 2 ** 30).toFixed(2)} GiB${naive ? `, naive ${naive.run_seconds.toFixed(1)} s ${(naive.peak_rss_bytes / 2 ** 30).toFixed(2)} GiB` : ''}\n`,
    );
  }
  // Where naive capture stops fitting: fit peak RSS ≈ a + b·T² to the naive runs, solve for physical memory.
  const measured = rows.map((r) => r.naive as ChildResult | null).filter((r): r is ChildResult => r !== null);
  let naiveLimit: number | null = null;
  if (measured.length >= 2) {
    const [p, q] = [measured[0]!, measured[measured.length - 1]!];
    const b = (q.peak_rss_bytes - p.peak_rss_bytes) / (q.tokens ** 2 - p.tokens ** 2),
      a = p.peak_rss_bytes - b * p.tokens ** 2;
    naiveLimit = Math.floor(Math.sqrt((totalmem() - a) / b));
  }
  const result = {
    benchmark: 'capture',
    model,
    form: 'fused (GroupQueryAttention + MoE)',
    execution_provider: 'cpu',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', total_memory_bytes: totalmem() },
    plan: 'default (segments, distance for answer/last/question, top-64 rows for answer/last/question, routing, answer log-probs, automatic chunk: 1,024 up to 8k tokens, 512 at 16k)',
    targets: { capture_over_plain_time: 1.3, capture_over_plain_rss: 1.5, capture_peak_rss_16k_bytes: 2 * 10 ** 9 },
    naive_largest_fitting_tokens_estimate: naiveLimit,
    naive_fit_note:
      "peak RSS of the naive runs fitted as a + b·T², solved for the machine's physical memory; the one-shot forward also holds [T, vocab] logits and the GQA kernel's heads × T² scratch",
    results: rows,
    measured_at: new Date().toISOString(),
  };
  const out = opts.out === undefined ? join('bench', 'results', 'capture.json') : opts.out;
  if (out !== null) {
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'child')
    process.stdout.write(`${JSON.stringify(await child(JSON.parse(process.argv[3]!) as ChildArgs))}\n`);
  else if (process.argv[2] === 'variant')
    process.stdout.write(`${JSON.stringify(inChild(JSON.parse(process.argv[3]!) as ChildArgs))}\n`);
  else await benchCapture(process.argv[2] ? { tokens: process.argv[2].split(',').map(Number) } : {});
}
