import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSource, writeMetrics } from '../../analysis/cli/commands/metrics.ts';
import { openRun, RunWriter } from '../../analysis/io/index.ts';
import { computeMetrics } from '../../analysis/metrics/run/compute-run.ts';
import { distanceBin, distanceBinEdges } from '../../analysis/schema/distance-bins.ts';

/**
 * A run written by hand, with known mechanisms and no model: the figure snapshots must not move
 * with ORT's floating point on another CPU. 3 families × 4 probes of 400 tokens, 4 layers × 4
 * heads, 8 experts top-2. Planted in tuned: L1H0 puts 0.7 of every query's mass on the evidence
 * segment; layer 1 routes each family to its own pair of experts. Everything else is identical.
 */
export const SHAPE = { layers: 4, heads: 4, experts: 8, k: 2, tokens: 400, answer: 4 } as const;
export const FAMILIES = ['mrcr', 'acc_search', 'acc_sql'] as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Appends one row to a column batch. */
function add<T extends Record<string, unknown[]>>(table: T, row: { [K in keyof T]: T[K][number] }): void {
  for (const key of Object.keys(row) as (keyof T)[]) table[key]!.push(row[key]);
}

interface Probe {
  id: string;
  family: string;
  evidence: [number, number];
}

const probes: Probe[] = FAMILIES.flatMap((family, f) =>
  [0, 1, 2, 3].map((i) => ({
    id: `${family}-${i}`,
    family,
    evidence: [60 + 40 * i + 10 * f, 90 + 40 * i + 10 * f] as [number, number],
  })),
);

/** Segments of a probe: instruction, filler, evidence, filler, question, answer. */
function segmentsOf(p: Probe) {
  const T = SHAPE.tokens;
  return [
    { kind: 'instruction', s: 0, e: 8 },
    { kind: 'distractor', s: 20, e: 50 },
    { kind: 'evidence', s: p.evidence[0], e: p.evidence[1] },
    { kind: 'question', s: T - 12, e: T },
    { kind: 'answer', s: T, e: T + SHAPE.answer },
  ];
}

/** One query row's attention: local decay + sink, with `share` on the evidence when planted. */
function row(q: number, p: Probe, planted: boolean, r: () => number): Float64Array {
  const w = new Float64Array(q + 1);
  for (let k = 0; k <= q; k++) w[k] = Math.exp(-(q - k) / 8) + (k === 0 ? 2 : 0) + 0.02 * r();
  const sum = w.reduce((a, b) => a + b, 0);
  for (let k = 0; k <= q; k++) w[k]! /= sum;
  if (planted) {
    const [e0, e1] = p.evidence;
    for (let k = 0; k <= q; k++) w[k]! *= 0.3;
    for (let k = e0; k < e1 && k <= q; k++) w[k]! += 0.7 / (e1 - e0);
  }
  return w;
}

function unitTables(p: Probe, model: 'base' | 'tuned', f: number) {
  const r = rng(1000 * f + Number(p.id.split('-')[1]) + (model === 'tuned' ? 77 : 0));
  const T = SHAPE.tokens + SHAPE.answer;
  const segs = segmentsOf(p);
  const segOf = (k: number) => segs.findIndex((s) => k >= s.s && k < s.e);
  const queries = {
    answer: [SHAPE.tokens, SHAPE.tokens + 1, SHAPE.tokens + 2, SHAPE.tokens + 3],
    last: [SHAPE.tokens - 1],
    question: [SHAPE.tokens - 12, SHAPE.tokens - 6],
  };
  const edges = distanceBinEdges();
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
  const rows = {
    layer: [] as number[],
    head: [] as number[],
    query_set: [] as string[],
    query_pos: [] as number[],
    key_pos: [] as number[],
    weight: [] as number[],
    row_mass_kept: [] as number[],
  };
  for (let layer = 0; layer < SHAPE.layers; layer++)
    for (let head = 0; head < SHAPE.heads; head++) {
      const planted = model === 'tuned' && layer === 1 && head === 0;
      for (const [qs, positions] of Object.entries(queries)) {
        const bins = new Float64Array(32);
        const bySeg = new Map<number, number>();
        for (const q of positions) {
          const w = row(q, p, planted, r);
          w.forEach((v, k) => {
            bins[distanceBin(q - k, edges)]! += v / positions.length;
            bySeg.set(segOf(k), (bySeg.get(segOf(k)) ?? 0) + v / positions.length);
          });
          const top = [...w.keys()].sort((a, b) => w[b]! - w[a]! || a - b).slice(0, 16);
          const kept = top.reduce((a, k) => a + w[k]!, 0);
          for (const k of top.sort((a, b) => a - b)) {
            add(rows, { layer, head, query_set: qs, query_pos: q, key_pos: k, weight: w[k]!, row_mass_kept: kept });
          }
        }
        bins.forEach((m, b) => {
          add(dist, {
            layer,
            head,
            query_set: qs,
            bin: b,
            bin_lo: edges[b]!,
            bin_hi: edges[b + 1]!,
            mass: m,
            n_queries: positions.length,
          });
        });
        if (qs !== 'last') {
          const qseg = segOf(positions[0]!);
          for (const [k, m] of [...bySeg].sort((a, b) => a[0] - b[0])) {
            add(seg, { layer, head, query_segment: qseg, key_segment: k, mass: m, n_queries: positions.length });
          }
        }
      }
    }
  const routing = {
    layer: [] as number[],
    position: [] as number[],
    rank: [] as number[],
    expert: [] as number[],
    gate: [] as number[],
  };
  for (let layer = 0; layer < SHAPE.layers; layer++)
    for (let t = 0; t < T; t++) {
      const routed = model === 'tuned' && layer === 1;
      const first = routed ? 2 * f + (t % 2) : Math.floor(r() * SHAPE.experts);
      const second = (first + 1 + Math.floor(r() * (SHAPE.experts - 1))) % SHAPE.experts;
      const g = 0.55 + 0.4 * r();
      [first, second].forEach((e, rank) => {
        add(routing, { layer, position: t, rank, expert: e, gate: rank === 0 ? g : 1 - g });
      });
    }
  const lp = model === 'tuned' ? -1.2 : -2.4;
  const answer_logprobs = {
    answer_index: [0, 1, 2, 3],
    position: queries.answer,
    token_id: [11, 12, 13, 14],
    logprob: [0, 1, 2, 3].map((i) => lp - 0.3 * r() - 0.05 * i),
  };
  return { attention_segments: seg, attention_distance: dist, attention_rows: rows, routing, answer_logprobs };
}

/** Writes the synthetic run (optionally one model only) and, for two models, its metrics. */
export async function writeSyntheticRun(o: { models?: ('base' | 'tuned')[]; metrics?: boolean } = {}): Promise<string> {
  const models = o.models ?? ['base', 'tuned'];
  const dir = join(await mkdtemp(join(tmpdir(), 'acc-lens-synthetic-')), 'run');
  const sha = (c: string) => c.repeat(64);
  const w = await RunWriter.open(dir, {
    models: Object.fromEntries(
      models.map((m, i) => [
        m,
        { path: `synthetic/${m}.onnx`, sha256: sha('ab'[i]!), form: 'fused', execution_provider: 'cpu' },
      ]),
    ),
    tokenizer: { id: 'synthetic', sha256: sha('c') },
    probe_set: { path: 'synthetic.jsonl', sha256: sha('d'), n_probes: probes.length },
    plan: { synthetic: true },
  });
  const segs = probes.flatMap((p) => segmentsOf(p).map((s, k) => ({ id: p.id, k, ...s })));
  const T = SHAPE.tokens + SHAPE.answer;
  await w.writeProbeSet(
    {
      probe_id: probes.map((p) => p.id),
      family: probes.map((p) => p.family),
      n_tokens: probes.map(() => SHAPE.tokens),
      source: probes.map(() => 'synthetic'),
      answer: probes.map(() => 'blue lantern'),
      answer_n_tokens: probes.map(() => SHAPE.answer),
      flags: probes.map(() => 'synthetic'),
    },
    {
      probe_id: segs.map((s) => s.id),
      segment_index: segs.map((s) => s.k),
      kind: segs.map((s) => s.kind),
      label: segs.map((s) => (s.kind === 'evidence' ? 'needle' : null)),
      turn: segs.map(() => null),
      token_start: segs.map((s) => s.s),
      token_end: segs.map((s) => s.e),
      char_start: segs.map(() => null),
      char_end: segs.map(() => null),
    },
    {
      probe_id: probes.flatMap((p) => Array.from({ length: T }, () => p.id)),
      position: probes.flatMap(() => Array.from({ length: T }, (_, t) => t)),
      token_id: probes.flatMap(() => Array.from({ length: T }, (_, t) => 100 + (t % 50))),
      text: probes.flatMap(() => Array.from({ length: T }, (_, t) => `w${t % 50} `)),
      char_start: probes.flatMap(() => Array.from({ length: T }, () => null)),
      char_end: probes.flatMap(() => Array.from({ length: T }, () => null)),
    },
  );
  for (const [f, family] of FAMILIES.entries())
    for (const p of probes.filter((x) => x.family === family))
      for (const m of models) await w.writeUnit(m, p.id, unitTables(p, m, f));
  await w.close();
  if ((o.metrics ?? true) && models.length === 2) {
    const run = await openRun(dir);
    const out = await computeMetrics(runSource(run), {
      resamples: 200,
      permutations: 200,
      seed: 0,
      alpha: 0.05,
      method: 'percentile',
      selectOn: 'half',
      models: ['base', 'tuned'],
    });
    await writeMetrics(run, out);
  }
  return dir;
}
