import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSource } from '../../../analysis/cli/commands/metrics.ts';
import { openRun, RunWriter } from '../../../analysis/io/index.ts';
import { computeMetrics, type MetricsOutput } from '../../../analysis/metrics/run/compute-run.ts';
import { formatReport } from '../../../analysis/metrics/run/report.ts';

/**
 * A hand-built run: 4 probes (2 families), 100 prompt + 4 answer tokens; segments instruction
 * [0,10), evidence [10,30), question = the single token 99, answer [100,104). The question token
 * sees 100 keys, 20 of them evidence → uniform evidence mass 0.2. Base puts 0.2 on the evidence
 * (lift 1), tuned 0.8 (lift 4). Routing: one layer, 4 experts, top-1; tuned routes by family.
 * Probe 3 has no evidence segment at all (empty evidence: lift missing, never NaN).
 */
const FAMILIES = ['fa', 'fa', 'fb', 'fb'];
const ids = ['p0', 'p1', 'p2', 'p3'];

async function buildRun(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'acc-lens-metrics-unit-')), 'run');
  const sha = (c: string) => c.repeat(64);
  const w = await RunWriter.open(dir, {
    models: {
      base: { path: 'b', sha256: sha('a'), form: 'fused', execution_provider: 'cpu' },
      tuned: { path: 't', sha256: sha('b'), form: 'fused', execution_provider: 'cpu' },
    },
    tokenizer: { id: 't', sha256: sha('c') },
    probe_set: { path: 'p', sha256: sha('d'), n_probes: 4 },
    plan: {},
  });
  const segs = ids.flatMap((id, p) => [
    { id, k: 0, kind: 'instruction', s: 0, e: 10 },
    { id, k: 1, kind: p === 3 ? 'other' : 'evidence', s: 10, e: 30 },
    { id, k: 2, kind: 'question', s: 99, e: 100 },
    { id, k: 3, kind: 'answer', s: 100, e: 104 },
  ]);
  await w.writeProbeSet(
    {
      probe_id: ids,
      family: FAMILIES,
      n_tokens: [100, 100, 100, 100],
      source: ids.map(() => 'unit'),
      answer: ids.map(() => 'a'),
      answer_n_tokens: [4, 4, 4, 4],
      flags: ids.map(() => ''),
    },
    {
      probe_id: segs.map((s) => s.id),
      segment_index: segs.map((s) => s.k),
      kind: segs.map((s) => s.kind),
      label: segs.map(() => null),
      turn: segs.map(() => null),
      token_start: segs.map((s) => s.s),
      token_end: segs.map((s) => s.e),
      char_start: segs.map(() => null),
      char_end: segs.map(() => null),
    },
  );
  for (const [p, id] of ids.entries()) {
    for (const model of ['base', 'tuned'] as const) {
      const ev = model === 'tuned' ? 0.8 : 0.2;
      const attention_segments = {
        layer: [0, 0, 0],
        head: [0, 0, 0],
        query_segment: [2, 2, 2],
        key_segment: [0, 1, -1],
        mass: [0.1, ev, 0.9 - ev],
        n_queries: [1, 1, 1],
      };
      const profile = Array.from({ length: 32 }, (_, b) => (model === 'tuned' ? (b === 19 ? 1 : 0) : b === 0 ? 1 : 0));
      const attention_distance = {
        layer: new Array(32).fill(0),
        head: new Array(32).fill(0),
        query_set: new Array(32).fill('question'),
        bin: profile.map((_, b) => b),
        bin_lo: profile.map(() => 0),
        bin_hi: profile.map(() => 1),
        mass: profile,
        n_queries: new Array(32).fill(1),
      };
      const T = 104;
      const expert = Array.from({ length: T }, (_, t) => (model === 'tuned' ? (FAMILIES[p] === 'fa' ? 0 : 3) : t % 4));
      const routing = {
        layer: new Array(T).fill(0),
        position: expert.map((_, t) => t),
        rank: new Array(T).fill(0),
        expert,
        gate: new Array(T).fill(1),
      };
      const answer_logprobs = {
        answer_index: [0, 1, 2, 3],
        position: [100, 101, 102, 103],
        token_id: [1, 1, 1, 1],
        logprob: [-1, -1, -1, -1].map((x) => x * (p + 1)),
      };
      await w.writeUnit(model, id, { attention_segments, attention_distance, routing, answer_logprobs });
    }
  }
  await w.close();
  return dir;
}

let out: MetricsOutput;
const rows = (table: string) => {
  const cols = out.tables[table]!;
  const names = Object.keys(cols);
  return cols[names[0]!]!.map((_, i) => Object.fromEntries(names.map((n) => [n, cols[n]![i]!])));
};

describe('computeMetrics on a hand-built run', () => {
  it('runs', async () => {
    const run = await openRun(await buildRun());
    out = await computeMetrics(runSource(run), {
      resamples: 200,
      permutations: 200,
      seed: 3,
      alpha: 0.05,
      method: 'bca',
      selectOn: 'none',
      models: ['base', 'tuned'],
    });
    expect(out.summary.probes.n).toBe(4);
  });

  it('evidence lift: base 1, tuned 4, delta 3 with a zero-width CI; the probe without evidence is left out', () => {
    const lift = rows('metrics_attention_heads').find(
      (r) => r.family === 'all' && r.head === 0 && r.query_set === 'question' && r.metric === 'evidence_lift',
    )!;
    expect(Number(lift.base)).toBeCloseTo(1, 5);
    expect(Number(lift.tuned)).toBeCloseTo(4, 5);
    expect(Number(lift.delta_lo)).toBeCloseTo(3, 5);
    expect(Number(lift.delta_hi)).toBeCloseTo(3, 5);
    expect(lift.n_probes).toBe(3);
    const mass = rows('metrics_attention_heads').find(
      (r) => r.family === 'all' && r.head === 0 && r.query_set === 'question' && r.metric === 'evidence_mass',
    )!;
    expect(mass.n_probes).toBe(4);
    expect(Number(mass.tuned)).toBeCloseTo((0.8 * 3 + 0) / 4, 5);
  });

  it('local mass, binned entropy and the JS change of one-hot profiles in disjoint bins (1 bit)', () => {
    const local = rows('metrics_attention_heads').find(
      (r) => r.family === 'all' && r.head === 0 && r.metric === 'local_mass',
    )!;
    expect([Number(local.base), Number(local.tuned)]).toEqual([1, 0]);
    const entropy = rows('metrics_attention_heads').find(
      (r) => r.family === 'all' && r.head === 0 && r.metric === 'entropy_bits',
    )!;
    expect([Number(entropy.base), Number(entropy.tuned)]).toEqual([0, 0]);
    const change = rows('metrics_attention_change').find((r) => r.family === 'all')!;
    expect(Number(change.js_bits)).toBeCloseTo(1, 6);
  });

  it('routing: tuned MI = 1 bit (two families on disjoint experts), base 0; base load balance 1; agreement hand-known', () => {
    const mi = rows('metrics_routing_layers').find((r) => r.metric === 'mi_bits')!;
    expect(Number(mi.tuned)).toBeCloseTo(1, 5);
    expect(Number(mi.base)).toBeCloseTo(0, 5);
    const lb = rows('metrics_routing_layers').find((r) => r.metric === 'load_balance' && r.family === 'all')!;
    expect(Number(lb.base)).toBeCloseTo(1, 5);
    const agree = rows('metrics_routing_agreement').find((r) => r.family === 'all' && r.token_set === 'all')!;
    // Base cycles 0,1,2,3; tuned is always 0 (fa) or 3 (fb): a quarter of the tokens match.
    expect(Number(agree.top1_match)).toBeCloseTo(26 / 104, 5);
    const sel = rows('metrics_routing_experts').filter(
      (r) => r.model === 'tuned' && r.layer === 0 && r.family === 'all',
    );
    expect(sel.find((r) => r.expert === 0)!.selectivity).toBeCloseTo(1, 6);
  });

  it('every number is finite and the report prints', () => {
    for (const [name, cols] of Object.entries(out.tables))
      for (const [c, vs] of Object.entries(cols))
        for (const v of vs) if (typeof v === 'number') expect(Number.isFinite(v), `${name}.${c}`).toBe(true);
    expect(formatReport(out.summary)).toContain('I(task; expert)');
  });
});
