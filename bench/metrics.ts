// Metrics over a synthetic 64-probe × 16k-token run with capture-sized tables (reference-pair shape:
// 4 layers × 4 heads, 16 experts, top-2): routing = 64 × 16,384 × 4 × 2 rows per model.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSource, writeMetrics } from '../analysis/cli/commands/metrics.ts';
import { openRun, RunWriter, type UnitTables } from '../analysis/io/index.ts';
import { computeMetrics } from '../analysis/metrics/run/compute-run.ts';
import { distanceBinEdges } from '../analysis/schema/index.ts';
import { createRng } from '../analysis/stats/rng.ts';

const PROBES = 64,
  T = 16_384,
  ANSWER = 32,
  LAYERS = 4,
  HEADS = 4,
  EXPERTS = 16,
  TOP_K = 2,
  ROW_K = 64;
const FAMILIES = ['mrcr', 'graphwalks', 'acc_search', 'acc_swe', 'acc_sql'];

function layout(p: number) {
  const segs: { kind: string; start: number; end: number }[] = [{ kind: 'instruction', start: 0, end: 16 }];
  const piece = Math.floor((T - 200) / 18);
  for (let k = 0; k < 18; k++)
    segs.push({
      kind: k % 2 === p % 2 ? 'evidence' : 'distractor',
      start: 16 + k * piece,
      end: 16 + (k + 1) * piece - 8,
    });
  segs.push({ kind: 'question', start: T - 64, end: T }, { kind: 'answer', start: T, end: T + ANSWER });
  return segs;
}

function unitTables(model: 'base' | 'tuned', p: number, rng: ReturnType<typeof createRng>): UnitTables {
  const segs = layout(p);
  const G = segs.length;
  const evidence = segs.map((s) => s.kind === 'evidence');
  const seg = {
    layer: [] as number[],
    head: [] as number[],
    query_segment: [] as number[],
    key_segment: [] as number[],
    mass: [] as number[],
    n_queries: [] as number[],
  };
  const dist = {
    layer: [] as number[],
    head: [] as number[],
    query_set: [] as string[],
    bin: [] as number[],
    bin_lo: [] as number[],
    bin_hi: [] as number[],
    mass: [] as number[],
    n_queries: [] as number[],
  };
  const edges = distanceBinEdges();
  const nRows = (ANSWER + 1 + 64) * ROW_K * LAYERS * HEADS;
  const rows = {
    layer: new Int16Array(nRows),
    head: new Int16Array(nRows),
    query_set: new Array<string>(nRows),
    query_pos: new Int32Array(nRows),
    key_pos: new Int32Array(nRows),
    weight: new Float32Array(nRows),
    row_mass_kept: new Float32Array(nRows),
  };
  let r = 0;
  for (let l = 0; l < LAYERS; l++)
    for (let h = 0; h < HEADS; h++) {
      const planted = model === 'tuned' && l === 1 && h === 0;
      for (let q = 0; q < G; q++) {
        const onEvidence = planted ? 0.8 : 0.3;
        const nEv = evidence.filter(Boolean).length;
        for (let k = 0; k <= q; k++) {
          seg.layer.push(l);
          seg.head.push(h);
          seg.query_segment.push(q);
          seg.key_segment.push(k);
          seg.mass.push(evidence[k] ? onEvidence / nEv : (1 - onEvidence) / (q + 1 - Math.min(nEv, q)));
          seg.n_queries.push(segs[q]!.end - segs[q]!.start);
        }
      }
      for (const qs of ['answer', 'last', 'question', 'all']) {
        for (let b = 0; b < 32; b++) {
          dist.layer.push(l);
          dist.head.push(h);
          dist.query_set.push(qs);
          dist.bin.push(b);
          dist.bin_lo.push(edges[b]!);
          dist.bin_hi.push(edges[b + 1]!);
          dist.mass.push(planted ? (b === 24 ? 0.7 : 0.3 / 31) : 1 / 32 + 0.001 * rng.normal());
          dist.n_queries.push(10);
        }
      }
      for (const [qs, from, count] of [
        ['answer', T, ANSWER],
        ['last', T - 1, 1],
        ['question', T - 64, 64],
      ] as const) {
        for (let q = from; q < from + count; q++)
          for (let k = 0; k < ROW_K; k++, r++) {
            rows.layer[r] = l;
            rows.head[r] = h;
            rows.query_set[r] = qs;
            rows.query_pos[r] = q;
            rows.key_pos[r] = k === 0 ? 0 : 16 + rng.int(q - 16);
            rows.weight[r] = k === 0 ? 0.3 : 0.7 / ROW_K;
            rows.row_mass_kept[r] = 1;
          }
      }
    }
  const n = (T + ANSWER) * LAYERS * TOP_K;
  const routing = {
    layer: new Int16Array(n),
    position: new Int32Array(n),
    rank: new Int16Array(n),
    expert: new Int16Array(n),
    gate: new Float32Array(n),
  };
  let i = 0;
  for (let l = 0; l < LAYERS; l++)
    for (let t = 0; t < T + ANSWER; t++) {
      const first = model === 'tuned' && l === 1 ? (p % FAMILIES.length) * 3 + rng.int(2) : rng.int(EXPERTS);
      const second = (first + 1 + rng.int(EXPERTS - 1)) % EXPERTS;
      for (let k = 0; k < TOP_K; k++, i++) {
        routing.layer[i] = l;
        routing.position[i] = t;
        routing.rank[i] = k;
        routing.expert[i] = k === 0 ? first : second;
        routing.gate[i] = k === 0 ? 0.7 : 0.3;
      }
    }
  const answer_logprobs = {
    answer_index: Array.from({ length: ANSWER }, (_, k) => k),
    position: Array.from({ length: ANSWER }, (_, k) => T + k),
    token_id: new Array(ANSWER).fill(1),
    logprob: Array.from({ length: ANSWER }, () => -Math.abs(rng.normal()) * (model === 'tuned' ? 0.5 : 1)),
  };
  return { attention_segments: seg, attention_distance: dist, attention_rows: rows, routing, answer_logprobs };
}

/** Writes the synthetic run (exported for profiling). */
export async function writeRun(dir: string): Promise<void> {
  const sha = (c: string) => c.repeat(64);
  const writer = await RunWriter.open(dir, {
    models: {
      base: { path: 'base.onnx', sha256: sha('a'), form: 'fused', execution_provider: 'cpu' },
      tuned: { path: 'tuned.onnx', sha256: sha('b'), form: 'fused', execution_provider: 'cpu' },
    },
    tokenizer: { id: 'bench', sha256: sha('c') },
    probe_set: { path: 'bench.jsonl', sha256: sha('d'), n_probes: PROBES },
    plan: { bench: true },
  });
  const ids = Array.from({ length: PROBES }, (_, p) => `${FAMILIES[p % FAMILIES.length]}/${p}`);
  const segRows = ids.flatMap((id, p) => layout(p).map((s, k) => ({ id, k, ...s })));
  await writer.writeProbeSet(
    {
      probe_id: ids,
      family: ids.map((_, p) => FAMILIES[p % FAMILIES.length]!),
      n_tokens: ids.map(() => T),
      source: ids.map(() => 'bench'),
      answer: ids.map(() => 'x'),
      answer_n_tokens: ids.map(() => ANSWER),
      flags: ids.map(() => 'synthetic'),
    },
    {
      probe_id: segRows.map((s) => s.id),
      segment_index: segRows.map((s) => s.k),
      kind: segRows.map((s) => s.kind),
      label: segRows.map(() => null),
      turn: segRows.map(() => null),
      token_start: segRows.map((s) => s.start),
      token_end: segRows.map((s) => s.end),
      char_start: segRows.map(() => null),
      char_end: segRows.map(() => null),
    },
  );
  const rng = createRng(7);
  for (const [p, id] of ids.entries())
    for (const model of ['base', 'tuned'] as const)
      await writer.writeUnit(model, id, unitTables(model, p, rng.fork(`${model}${p}`)));
  await writer.close();
}

/** Times `acc-lens metrics` (compute + write) on the synthetic run, default 1000 resamples and permutations. */
export async function benchMetrics(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'acc-lens-bench-metrics-'));
  try {
    const t0 = performance.now();
    await writeRun(join(dir, 'run'));
    const writeSeconds = (performance.now() - t0) / 1000;
    const run = await openRun(join(dir, 'run'));
    const t1 = performance.now();
    const out = await computeMetrics(runSource(run), {
      resamples: 1000,
      permutations: 1000,
      seed: 0,
      alpha: 0.05,
      method: 'percentile',
      selectOn: 'half',
      models: ['base', 'tuned'],
    });
    await writeMetrics(run, out);
    const seconds = (performance.now() - t1) / 1000;
    return {
      run: {
        probes: PROBES,
        tokens_per_probe: T,
        layers: LAYERS,
        heads: HEADS,
        experts: EXPERTS,
        top_k: TOP_K,
        routing_rows_per_model: PROBES * (T + ANSWER) * LAYERS * TOP_K,
      },
      build_run_s: Number(writeSeconds.toFixed(2)),
      metrics_s: Number(seconds.toFixed(2)),
      target_s: 30,
      resamples: 1000,
      permutations: 1000,
      table_rows: Object.fromEntries(Object.entries(out.tables).map(([k, v]) => [k, Object.values(v)[0]?.length ?? 0])),
      headline_top_head: out.summary.attention.top_heads[0] ?? null,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { cpus, totalmem } = await import('node:os');
  const start = performance.now();
  const result = await benchMetrics();
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const record = {
    benchmark: 'metrics',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model,
      total_memory_gb: +(totalmem() / 1e9).toFixed(1),
      node: process.version,
    },
    seconds: +((performance.now() - start) / 1000).toFixed(1),
    result,
  };
  writeFileSync(join(import.meta.dirname, 'results', 'metrics.json'), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
