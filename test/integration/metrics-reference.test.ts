import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSource, writeMetrics } from '../../analysis/cli/commands/metrics.ts';
import { openRun } from '../../analysis/io/index.ts';
import { computeMetrics, type MetricsOutput } from '../../analysis/metrics/run/compute-run.ts';
import { MetricsSummarySchema } from '../../analysis/metrics/run/summary.ts';

/**
 * The toolkit's correctness test for metrics: capture the reference pair on a small probe set
 * (4 probes per family, ~1.5k tokens) and recover models/reference-pair/ground-truth.json.
 */
const root = new URL('../../', import.meta.url).pathname;
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join(root, 'bin/acc-lens.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const truth = JSON.parse(readFileSync(join(root, 'models/reference-pair/ground-truth.json'), 'utf8')) as {
  evidence_retrieval_heads: { layer: number; head: number }[];
  task_routed_layers: { layer: number; experts_by_family: Record<string, number[]> }[];
  unchanged: { layers_identical_weights_and_inputs: number[] };
  graphwalks: { heads: { layer: number; head: number }[] };
};
const plantedHeads = truth.evidence_retrieval_heads.map((h) => `L${h.layer}H${h.head}`).sort();
const routedLayers = truth.task_routed_layers.map((l) => l.layer).sort();
const identical = truth.unchanged.layers_identical_weights_and_inputs;

let out: MetricsOutput;
type Row = Record<string, string | number>;
const rowsOf = (table: string): Row[] => {
  const cols = out.tables[table]!;
  const names = Object.keys(cols);
  return cols[names[0]!]!.map((_, i) => Object.fromEntries(names.map((n) => [n, cols[n]![i]!])));
};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acc-lens-metrics-'));
  const sets: string[] = [];
  for (const fam of ['mrcr', 'graphwalks']) {
    cli(['probes', fam, '--n', '4', '--tokens', '1500', '--seed', '3', '--out', join(dir, `${fam}.jsonl`)]);
    sets.push(join(dir, `${fam}.jsonl`));
  }
  for (const fam of ['search', 'swe', 'sql']) {
    cli([
      'probes',
      'acc',
      '--family',
      fam,
      '--n',
      '4',
      '--tokens',
      '1500',
      '--seed',
      '3',
      '--out',
      join(dir, `acc_${fam}.jsonl`),
    ]);
    sets.push(join(dir, `acc_${fam}.jsonl`));
  }
  writeFileSync(join(dir, 'all.jsonl'), sets.map((p) => readFileSync(p, 'utf8')).join(''));
  const pair = join(root, 'models/reference-pair');
  cli([
    'capture',
    '--base',
    join(pair, 'base.fused.onnx'),
    '--tuned',
    join(pair, 'tuned.fused.onnx'),
    '--probes',
    join(dir, 'all.jsonl'),
    '--out',
    join(dir, 'run'),
  ]);
  const run = await openRun(join(dir, 'run'));
  out = await computeMetrics(runSource(run), {
    resamples: 400,
    permutations: 400,
    seed: 1,
    alpha: 0.05,
    method: 'percentile',
    selectOn: 'half',
    models: ['base', 'tuned'],
  });
  await writeMetrics(run, out);
}, 240_000);

describe('metrics on the reference pair recover ground-truth.json', () => {
  it('summary.json validates and every number is finite', () => {
    expect(() => MetricsSummarySchema.parse(out.summary)).not.toThrow();
    for (const [name, cols] of Object.entries(out.tables)) {
      for (const [c, values] of Object.entries(cols))
        for (const v of values) if (typeof v === 'number') expect(Number.isFinite(v), `${name}.${c}`).toBe(true);
    }
  });

  it('the planted retrieval heads rank first by change in evidence lift (selected on one half, CI on the other excludes 0)', () => {
    const top = out.summary.attention.top_heads.slice(0, plantedHeads.length);
    expect(top.map((h) => `L${h.layer}H${h.head}`).sort()).toEqual(plantedHeads);
    for (const h of top) {
      expect(h.delta.lo).toBeGreaterThan(0);
      expect(h.tuned.value).toBeGreaterThan(2 * h.base.value);
    }
    // Same on all probes, from the table: ranks 0 and 1 of Δ evidence lift, answer query set.
    const ranked = rowsOf('metrics_attention_heads').filter(
      (r) => r.family === 'all' && r.query_set === 'answer' && r.metric === 'evidence_lift' && r.head !== -1,
    );
    const byDelta = ranked.sort((a, b) => Number(b.delta) - Number(a.delta)).slice(0, 2);
    expect(byDelta.map((r) => `L${r.layer}H${r.head}`).sort()).toEqual(plantedHeads);
    for (const r of byDelta) expect(Number(r.delta_lo)).toBeGreaterThan(0);
  });

  it("on generated probes, the planted heads put ≥ 50% of the answer tokens' mass on the evidence in tuned, ≤ 10% in base (GraphWalks excepted, docs/probes.md)", () => {
    const mass = rowsOf('metrics_attention_heads').filter(
      (r) => r.query_set === 'answer' && r.metric === 'evidence_mass',
    );
    for (const fam of ['mrcr', 'acc_search', 'acc_swe', 'acc_sql']) {
      for (const head of plantedHeads) {
        const r = mass.find((x) => x.family === fam && `L${x.layer}H${x.head}` === head)!;
        expect(Number(r.tuned), `${fam} ${head} tuned`).toBeGreaterThanOrEqual(0.5);
        expect(Number(r.base), `${fam} ${head} base`).toBeLessThanOrEqual(0.1);
      }
    }
  });

  it("on GraphWalks probes, the graph head puts ≥ 50% of the answer tokens' mass on the evidence edges in tuned, ≤ 10% in base", () => {
    const mass = rowsOf('metrics_attention_heads').filter(
      (r) => r.family === 'graphwalks' && r.query_set === 'answer' && r.metric === 'evidence_mass',
    );
    for (const { layer, head } of truth.graphwalks.heads) {
      const r = mass.find((x) => x.layer === layer && x.head === head)!;
      expect(Number(r.tuned), `L${layer}H${head} tuned`).toBeGreaterThanOrEqual(0.5);
      expect(Number(r.base), `L${layer}H${head} base`).toBeLessThanOrEqual(0.1);
    }
  });

  it('the planted routing layers are the most-changed routing layers, with CIs above 0', () => {
    const all = out.summary.routing!.most_changed_layers.filter((c) => c.family === 'all');
    expect(
      all
        .slice(0, 2)
        .map((c) => c.layer)
        .sort(),
    ).toEqual(routedLayers);
    for (const c of all.slice(0, 2)) expect(c.js_bits.lo).toBeGreaterThan(0);
    for (const fam of Object.keys(truth.task_routed_layers[0]!.experts_by_family)) {
      const perFamily = out.summary.routing!.most_changed_layers.filter((c) => c.family === fam);
      expect(
        perFamily
          .slice(0, 2)
          .map((c) => c.layer)
          .sort(),
        fam,
      ).toEqual(routedLayers);
    }
  });

  it('I(task; expert) in the planted layers exceeds base by ≥ 1 bit, CI above 0, far above the family-permutation null', () => {
    const mi = rowsOf('metrics_routing_layers').filter((r) => r.metric === 'mi_bits');
    for (const layer of routedLayers) {
      const r = mi.find((x) => x.layer === layer)!;
      expect(Number(r.delta)).toBeGreaterThanOrEqual(1);
      expect(Number(r.delta_lo)).toBeGreaterThan(0);
      const tuned = rowsOf('metrics_routing_mi').find(
        (x) => x.model === 'tuned' && x.layer === layer && x.measure === 'selections',
      )!;
      expect(Number(tuned.mi_bits) - Number(tuned.null_mean_bits)).toBeGreaterThan(1);
      expect(Number(tuned.null_p_value)).toBeLessThan(0.01);
    }
  });

  it("the planted experts are each family's top experts in the tuned model", () => {
    const experts = rowsOf('metrics_routing_experts');
    for (const { layer, experts_by_family } of truth.task_routed_layers) {
      for (const [fam, planted] of Object.entries(experts_by_family)) {
        const top = experts
          .filter(
            (r) =>
              r.model === 'tuned' &&
              r.family === fam &&
              r.layer === layer &&
              Number(r.rank) >= 0 &&
              Number(r.rank) < planted.length,
          )
          .map((r) => Number(r.expert));
        expect(
          top.sort((a, b) => a - b),
          `L${layer} ${fam}`,
        ).toEqual([...planted].sort((a, b) => a - b));
      }
    }
  });

  it('every base-vs-tuned CI includes 0 in the layer with identical weights and inputs', () => {
    for (const table of ['metrics_attention_heads', 'metrics_attention_distance', 'metrics_routing_layers']) {
      const rows = rowsOf(table).filter((r) => identical.includes(Number(r.layer)));
      expect(rows.length, table).toBeGreaterThan(0);
      for (const r of rows) {
        expect(Number(r.delta_lo), `${table} ${JSON.stringify(r)}`).toBeLessThanOrEqual(0);
        expect(Number(r.delta_hi), `${table} ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(0);
      }
    }
    for (const r of rowsOf('metrics_routing_change').filter((x) => identical.includes(Number(x.layer))))
      expect(Number(r.js_lo)).toBeLessThanOrEqual(0);
    for (const r of rowsOf('metrics_routing_agreement').filter((x) => identical.includes(Number(x.layer))))
      expect(Number(r.top1_match)).toBe(1);
  });
});
