// A synthetic run of Qwen3-30B-A3B shape for the viewer benchmark (bench/viewer.ts): 64 probes of
// 16k tokens, base and tuned; metrics tables and summary.json for all 64 (computed by the real
// `acc-lens metrics` code), and full capture part files for the few probes the benchmark opens.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runSource, writeMetrics } from '../analysis/cli/commands/metrics.ts';
import { openRun, RunWriter, type UnitTables } from '../analysis/io/index.ts';
import { computeMetrics } from '../analysis/metrics/run/compute-run.ts';
import { distanceBinEdges } from '../analysis/schema/index.ts';
import { SCHEMA_VERSION } from '../analysis/schema/metadata.ts';
import { TOOL_VERSION } from '../analysis/version.ts';
import { createRng, type Rng } from '../analysis/stats/rng.ts';

/** Qwen3-30B-A3B: 48 layers, 32 query heads, 128 routed experts, top-8. */
export const SHAPE = { layers: 48, heads: 32, experts: 128, topK: 8 } as const;
export const PROBES = 64;
export const TOKENS = 16_384;
const ANSWER = 32;
const FAMILIES = ['mrcr', 'graphwalks', 'acc_search', 'acc_swe', 'acc_sql'];
/** Planted in the tuned model so the charts have something to show: retrieval heads and routed layers. */
const RETRIEVAL_HEADS = [
  [18, 4],
  [31, 22],
] as const;
const ROUTED_LAYERS = [12, 29];

export const probeId = (p: number): string => `${FAMILIES[p % FAMILIES.length]}-${p}`;

interface Size {
  tokens: number;
  answer: number;
  /** Query rows kept per query set and keys kept per row (capture's default k is 64). */
  rows: { answer: number; question: number; k: number };
  pieces: number;
}

/** The 16k probes the viewer opens: capture-sized rows (answer 32, last 1, question 32 rows, top-64 keys). */
const FULL: Size = { tokens: TOKENS, answer: ANSWER, rows: { answer: ANSWER, question: 32, k: 64 }, pieces: 18 };
/** The probes the metrics are computed from: the same ids, families and shape, fewer tokens and rows. */
const SHORT: Size = { tokens: 160, answer: 4, rows: { answer: 2, question: 2, k: 4 }, pieces: 2 };

function layout(p: number, s: Size) {
  const T = s.tokens;
  const segs: { kind: string; start: number; end: number }[] = [{ kind: 'instruction', start: 0, end: 16 }];
  const piece = Math.floor((T - 120) / s.pieces);
  for (let k = 0; k < s.pieces; k++)
    segs.push({
      kind: k % 2 === p % 2 ? 'evidence' : 'distractor',
      start: 16 + k * piece,
      end: 16 + (k + 1) * piece - 4,
    });
  segs.push({ kind: 'question', start: T - 64, end: T }, { kind: 'answer', start: T, end: T + s.answer });
  return segs;
}

const planted = (model: string, l: number, h: number) =>
  model === 'tuned' && RETRIEVAL_HEADS.some(([pl, ph]) => pl === l && ph === h);

function attentionTables(model: string, p: number, s: Size, rng: Rng) {
  const { layers: L, heads: H } = SHAPE;
  const segs = layout(p, s);
  const G = segs.length;
  const evidence = segs.map((x) => x.kind === 'evidence');
  const nEv = evidence.filter(Boolean).length;
  const pairs = (G * (G + 1)) / 2;
  const seg = {
    layer: new Int16Array(L * H * pairs),
    head: new Int16Array(L * H * pairs),
    query_segment: new Int32Array(L * H * pairs),
    key_segment: new Int32Array(L * H * pairs),
    mass: new Float32Array(L * H * pairs),
    n_queries: new Int32Array(L * H * pairs),
  };
  const edges = distanceBinEdges();
  const sets = ['answer', 'last', 'question', 'all'];
  const nd = L * H * sets.length * 32;
  const dist = {
    layer: new Int16Array(nd),
    head: new Int16Array(nd),
    query_set: new Array<string>(nd),
    bin: new Int16Array(nd),
    bin_lo: new Int32Array(nd),
    bin_hi: new Int32Array(nd),
    mass: new Float32Array(nd),
    n_queries: new Int32Array(nd),
  };
  const queries: [string, number, number][] = [
    ['answer', s.tokens, s.rows.answer],
    ['last', s.tokens - 1, 1],
    ['question', s.tokens - 64, s.rows.question],
  ];
  const nr = L * H * (s.rows.answer + 1 + s.rows.question) * s.rows.k;
  const rows = {
    layer: new Int16Array(nr),
    head: new Int16Array(nr),
    query_set: new Array<string>(nr),
    query_pos: new Int32Array(nr),
    key_pos: new Int32Array(nr),
    weight: new Float32Array(nr),
    row_mass_kept: new Float32Array(nr),
  };
  const evSpans = segs.filter((x) => x.kind === 'evidence');
  let [i, d, r] = [0, 0, 0];
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++) {
      const onEv = planted(model, l, h) ? 0.8 : 0.2 + 0.05 * rng.normal();
      for (let q = 0; q < G; q++)
        for (let k = 0; k <= q; k++, i++) {
          seg.layer[i] = l;
          seg.head[i] = h;
          seg.query_segment[i] = q;
          seg.key_segment[i] = k;
          seg.mass[i] = evidence[k] ? onEv / nEv : (1 - onEv) / Math.max(1, q + 1 - Math.min(nEv, q));
          seg.n_queries[i] = segs[q]!.end - segs[q]!.start;
        }
      for (const qs of sets)
        for (let b = 0; b < 32; b++, d++) {
          dist.layer[d] = l;
          dist.head[d] = h;
          dist.query_set[d] = qs;
          dist.bin[d] = b;
          dist.bin_lo[d] = edges[b]!;
          dist.bin_hi[d] = edges[b + 1]!;
          dist.mass[d] = planted(model, l, h) ? (b === 24 ? 0.7 : 0.3 / 31) : 1 / 32 + 0.001 * rng.normal();
          dist.n_queries[d] = 10;
        }
      for (const [qs, from, count] of queries)
        for (let q = from; q < from + count; q++)
          for (let k = 0; k < s.rows.k; k++, r++) {
            const ev = evSpans[rng.int(evSpans.length)]!;
            const onEvidence = planted(model, l, h) && k > 0;
            rows.layer[r] = l;
            rows.head[r] = h;
            rows.query_set[r] = qs;
            rows.query_pos[r] = q;
            rows.key_pos[r] = k === 0 ? 0 : onEvidence ? ev.start + rng.int(ev.end - ev.start) : 16 + rng.int(q - 16);
            rows.weight[r] = k === 0 ? (planted(model, l, h) ? 0.02 : 0.4) : (onEvidence ? 0.97 : 0.5) / s.rows.k;
            rows.row_mass_kept[r] = 0.95;
          }
    }
  return { attention_segments: seg, attention_distance: dist, attention_rows: rows };
}

function routingTable(model: string, p: number, s: Size, rng: Rng) {
  const { layers: L, experts: E, topK: K } = SHAPE;
  const P = s.tokens + s.answer;
  const n = P * L * K;
  const routing = {
    layer: new Int16Array(n),
    position: new Int32Array(n),
    rank: new Int16Array(n),
    expert: new Int16Array(n),
    gate: new Float32Array(n),
  };
  const family = p % FAMILIES.length;
  const picked = new Set<number>();
  let i = 0;
  for (let l = 0; l < L; l++) {
    const routed = model === 'tuned' && ROUTED_LAYERS.includes(l);
    for (let t = 0; t < P; t++) {
      picked.clear();
      // Tuned routed layers pick mostly from the family's 16 experts; everything else is uniform.
      while (picked.size < K) picked.add(routed && rng.next() < 0.85 ? family * 16 + rng.int(16) : rng.int(E));
      let k = 0;
      for (const e of picked) {
        routing.layer[i] = l;
        routing.position[i] = t;
        routing.rank[i] = k;
        routing.expert[i] = e;
        routing.gate[i] = (K - k) / ((K * (K + 1)) / 2);
        i++;
        k++;
      }
    }
  }
  return routing;
}

function unitTables(model: string, p: number, s: Size, rng: Rng): UnitTables {
  const answer_logprobs = {
    answer_index: Array.from({ length: s.answer }, (_, k) => k),
    position: Array.from({ length: s.answer }, (_, k) => s.tokens + k),
    token_id: new Array<number>(s.answer).fill(1),
    logprob: Array.from({ length: s.answer }, () => -Math.abs(rng.normal()) * (model === 'tuned' ? 0.5 : 1)),
  };
  return {
    ...attentionTables(model, p, s, rng),
    routing: routingTable(model, p, s, rng),
    answer_logprobs,
  } as unknown as UnitTables;
}

const WORDS = ['the', 'evidence', 'query', 'table', 'result', 'file', 'search', 'node', 'edge', 'answer', 'patch'];

async function openWriter(dir: string): Promise<RunWriter> {
  const sha = (c: string) => c.repeat(64);
  return RunWriter.open(dir, {
    models: {
      base: { path: 'qwen3-30b-a3b.base.onnx', sha256: sha('a'), form: 'fused', execution_provider: 'cpu' },
      tuned: { path: 'qwen3-30b-a3b.acc.onnx', sha256: sha('b'), form: 'fused', execution_provider: 'cpu' },
    },
    tokenizer: { id: 'bench', sha256: sha('c') },
    probe_set: { path: 'bench-viewer.jsonl', sha256: sha('d'), n_probes: PROBES },
    plan: { bench: 'viewer' },
  });
}

async function writeProbeSet(writer: RunWriter, s: Size, withTokens: boolean): Promise<void> {
  const ids = Array.from({ length: PROBES }, (_, p) => probeId(p));
  const segRows = ids.flatMap((id, p) => layout(p, s).map((x, k) => ({ id, k, ...x })));
  const total = s.tokens + s.answer;
  const tokens = withTokens
    ? {
        probe_id: ids.flatMap((id) => new Array<string>(total).fill(id)),
        position: ids.flatMap(() => Array.from({ length: total }, (_, t) => t)),
        token_id: ids.flatMap(() => Array.from({ length: total }, (_, t) => 1000 + (t % 997))),
        text: ids.flatMap(() => Array.from({ length: total }, (_, t) => ` ${WORDS[t % WORDS.length]}`)),
        char_start: ids.flatMap(() => new Array<null>(total).fill(null)),
        char_end: ids.flatMap(() => new Array<null>(total).fill(null)),
      }
    : undefined;
  await writer.writeProbeSet(
    {
      probe_id: ids,
      family: ids.map((_, p) => FAMILIES[p % FAMILIES.length]!),
      n_tokens: ids.map(() => s.tokens),
      source: ids.map(() => 'bench'),
      answer: ids.map(() => 'x'),
      answer_n_tokens: ids.map(() => s.answer),
      flags: ids.map(() => 'synthetic'),
    },
    {
      probe_id: segRows.map((x) => x.id),
      segment_index: segRows.map((x) => x.k),
      kind: segRows.map((x) => x.kind),
      label: segRows.map(() => null),
      turn: segRows.map(() => null),
      token_start: segRows.map((x) => x.start),
      token_end: segRows.map((x) => x.end),
      char_start: segRows.map(() => null),
      char_end: segRows.map(() => null),
    },
    tokens as never,
  );
}

export interface ViewerRun {
  dir: string;
  /** Probes with full part files (the same family, so one probe menu lists both). */
  opened: string[];
  /** How long the build took, or null when a cached build was reused. */
  seconds: { metrics_source: number; metrics: number; parts: number } | null;
  /** Sizes of what the viewer reads, in MB. */
  files: Record<string, number>;
}

const OPENED = [0, 5];
const RESAMPLES = 20;

async function build(root: string): Promise<ViewerRun['seconds']> {
  const t0 = performance.now();
  const short = join(root, 'metrics-source');
  const sw = await openWriter(short);
  await writeProbeSet(sw, SHORT, false);
  const rng = createRng(11);
  for (let p = 0; p < PROBES; p++)
    for (const model of ['base', 'tuned'])
      await sw.writeUnit(model, probeId(p), unitTables(model, p, SHORT, rng.fork(`s${model}${p}`)));
  await sw.close();
  const t1 = performance.now();
  const metrics = await computeMetrics(runSource(await openRun(short)), {
    resamples: RESAMPLES,
    permutations: RESAMPLES,
    seed: 0,
    alpha: 0.05,
    method: 'percentile',
    selectOn: 'half',
    models: ['base', 'tuned'],
  });
  const t2 = performance.now();
  const dir = join(root, 'run');
  const writer = await openWriter(dir);
  await writeProbeSet(writer, FULL, true);
  for (const p of OPENED)
    for (const model of ['base', 'tuned'])
      await writer.writeUnit(model, probeId(p), unitTables(model, p, FULL, rng.fork(`f${model}${p}`)));
  await writer.close();
  await writeMetrics(await openRun(dir), metrics);
  await rm(short, { recursive: true, force: true });
  const t3 = performance.now();
  const s = (a: number, b: number) => Number(((b - a) / 1000).toFixed(1));
  return { metrics_source: s(t0, t1), metrics: s(t1, t2), parts: s(t2, t3) };
}

async function sizes(dir: string): Promise<Record<string, number>> {
  const mb = async (...path: string[]) => Number(((await stat(join(dir, ...path))).size / 2 ** 20).toFixed(1));
  const unit = ['parts', 'tuned', probeId(OPENED[0]!)];
  const metrics = await Promise.all((await readdir(join(dir, 'metrics'))).map((f) => mb('metrics', f)));
  return {
    metrics_dir: Number(metrics.reduce((x, y) => x + y, 0).toFixed(1)),
    metrics_attention_heads: await mb('metrics', 'metrics_attention_heads.arrow'),
    metrics_routing_experts: await mb('metrics', 'metrics_routing_experts.arrow'),
    tokens: await mb('tokens.arrow'),
    unit_routing: await mb(...unit, 'routing.arrow'),
    unit_attention_rows: await mb(...unit, 'attention_rows.arrow'),
    unit_attention_segments: await mb(...unit, 'attention_segments.arrow'),
  };
}

/**
 * The benchmark run, built once (several minutes on 2 cores) and cached under tmp/bench-viewer/
 * keyed by this file, the tool and schema versions. Metrics are computed with few resamples (their
 * values do not matter here, their table sizes do) on a 160-token copy of the 64 probes: metric
 * tables have the row counts of a 16k run, being per family × layer × head or expert.
 */
export async function viewerRun(): Promise<ViewerRun> {
  const h = createHash('sha256').update(`${TOOL_VERSION} ${SCHEMA_VERSION}\n`);
  h.update(await readFile(new URL(import.meta.url)));
  const root = resolve('tmp', 'bench-viewer', `run-${h.digest('hex').slice(0, 16)}`);
  const dir = join(root, 'run');
  const opened = OPENED.map(probeId);
  if (existsSync(join(root, 'complete'))) return { dir, opened, seconds: null, files: await sizes(dir) };
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const seconds = await build(root);
  await writeFile(join(root, 'complete'), `${new Date().toISOString()}\n`);
  return { dir, opened, seconds, files: await sizes(dir) };
}
