import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { runSource } from '../../analysis/cli/commands/metrics.ts';
import { openRun, readPart, type Run } from '../../analysis/io/index.ts';
import { CausalTruth, groundTruthSpec } from '../../analysis/cli/demo/demo-interventions.ts';
import { INTERVENTION_PLAN, runIntervene } from '../../analysis/intervene/run-intervene.ts';
import { computeCausal, type CausalSummaryItem } from '../../analysis/metrics/run/compute-causal.ts';
import {
  INTERVENTIONS_FILE,
  InterventionsFileSchema,
  type InterventionSpecInput,
} from '../../analysis/schema/interventions.ts';

/**
 * Interventions through the real pipeline on the reference pair: the planted causal facts of
 * ground-truth.json (head ablation, control ablation, both router transplants), both graph forms,
 * and intervened runs leaving what they do not touch bit-identical.
 */
const root = new URL('../../', import.meta.url).pathname;
const pair = join(root, 'models/reference-pair');
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join(root, 'bin/acc-lens.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
interface Fact {
  expected: Record<string, number | boolean>;
}
const truth = JSON.parse(readFileSync(join(pair, 'ground-truth.json'), 'utf8')) as { causal: Record<string, Fact> };
const facts = truth.causal;
const spec: InterventionSpecInput = {
  interventions: [
    // The ground truth's interventions, as the demo runs them.
    ...groundTruthSpec(CausalTruth.parse(truth)).interventions,
    { name: 'ablate-l3', model: 'tuned', ablate_heads: [{ layer: 3, head: 2 }], mask_experts: [], force_experts: [] },
    {
      name: 'mask-force',
      model: 'tuned',
      ablate_heads: [],
      mask_experts: [{ layer: 1, expert: 0 }],
      force_experts: [{ layer: 2, expert: 5 }],
    },
  ],
};

let dir: string;
let fused: Run;
let causal: Map<string, CausalSummaryItem>;
const logprobs = async (run: Run, model: string, probeId: string) =>
  Array.from(
    (await readPart(run, 'answer_logprobs', { model, probeId })).getChild('logprob')!.toArray() as Float32Array,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acc-lens-intervene-'));
  cli(['probes', 'mrcr', '--n', '2', '--tokens', '1000', '--seed', '5', '--out', join(dir, 'mrcr.jsonl')]);
  cli([
    'probes',
    'acc',
    '--family',
    'search',
    '--n',
    '2',
    '--tokens',
    '1000',
    '--seed',
    '5',
    '--out',
    join(dir, 'acc.jsonl'),
  ]);
  writeFileSync(
    join(dir, 'p.jsonl'),
    readFileSync(join(dir, 'mrcr.jsonl'), 'utf8') + readFileSync(join(dir, 'acc.jsonl'), 'utf8'),
  );
  const models = (form: string) => ({ base: join(pair, `base.${form}.onnx`), tuned: join(pair, `tuned.${form}.onnx`) });
  await runIntervene({ ...models('fused'), probes: join(dir, 'p.jsonl'), out: join(dir, 'fused'), spec, ep: 'cpu' });
  fused = await openRun(join(dir, 'fused'));
  const file = InterventionsFileSchema.parse(JSON.parse(readFileSync(join(dir, 'fused', INTERVENTIONS_FILE), 'utf8')));
  const out = await computeCausal(runSource(fused), file, {
    resamples: 400,
    permutations: 400,
    seed: 1,
    alpha: 0.05,
    method: 'percentile',
    selectOn: 'none',
    models: ['base', 'tuned'],
  });
  causal = new Map(out.summary.map((c) => [c.intervention, c]));
}, 900_000);

describe('interventions recover the planted causal facts (ground-truth.json "causal")', () => {
  it('tuned answers better: the tuned − base gain is ≥ 2 nats per answer token, CI above 0 (one gain for all interventions)', () => {
    const gain = causal.get('head-ablation')!.gain;
    for (const c of causal.values()) expect(c.gain).toEqual(gain);
    expect(gain.value).toBeGreaterThanOrEqual(2);
    expect(gain.lo).toBeGreaterThan(0);
  });

  it('ablating the planted retrieval heads in tuned removes most of the gain (effect CI excludes 0)', () => {
    const c = causal.get('head-ablation')!;
    expect(c.share.value).toBeGreaterThanOrEqual(Number(facts.head_ablation!.expected.share_of_gain_removed_min));
    expect(c.effect.hi).toBeLessThan(0);
  });

  it('ablating a same-size set of unplanted heads removes practically none of it (the share CI within ±5%)', () => {
    const c = causal.get('control-ablation')!;
    const max = Number(facts.control_ablation!.expected.share_of_gain_removed_abs_max);
    expect(facts.control_ablation!.expected.share_ci_within_abs_max).toBe(true);
    expect(c.share.lo).toBeGreaterThanOrEqual(-max);
    expect(c.share.hi).toBeLessThanOrEqual(max);
  });

  it("tuned's routers in base (without tuned's experts) bring little of the gain", () => {
    const c = causal.get('tuned-routers-into-base')!;
    expect(c.share.value).toBeLessThanOrEqual(Number(facts.tuned_routers_into_base!.expected.share_of_gain_max));
  });

  it("base's routers in tuned take most of it away", () => {
    const c = causal.get('base-routers-into-tuned')!;
    expect(c.share.value).toBeGreaterThanOrEqual(
      Number(facts.base_routers_into_tuned!.expected.share_of_gain_removed_min),
    );
    expect(c.effect.hi).toBeLessThan(0);
  });
});

describe('interventions as graph rewrites', () => {
  it('give the same answer log-probs in both graph forms (within 1e-4)', async () => {
    const two: InterventionSpecInput = {
      interventions: spec.interventions.filter((iv) =>
        ['head-ablation', 'ablate-l3', 'base-routers-into-tuned', 'mask-force'].includes(iv.name),
      ),
    };
    writeFileSync(
      join(dir, 'two.jsonl'),
      readFileSync(join(dir, 'p.jsonl'), 'utf8').split('\n').slice(0, 1).join('\n') + '\n',
    );
    const out = join(dir, 'unfused');
    await runIntervene({
      base: join(pair, 'base.unfused.onnx'),
      tuned: join(pair, 'tuned.unfused.onnx'),
      probes: join(dir, 'two.jsonl'),
      out,
      spec: two,
      ep: 'cpu',
    });
    const unfused = await openRun(out);
    const id = Object.values(unfused.manifest.units)[0]!.probe_id;
    for (const iv of two.interventions) {
      const model = `${iv.model}.${iv.name}`;
      const [a, b] = [await logprobs(fused, model, id), await logprobs(unfused, model, id)];
      expect(a.length).toBeGreaterThan(0);
      a.forEach((v, i) => expect(Math.abs(v - b[i]!), `${model} token ${i}`).toBeLessThan(1e-4));
    }
  }, 900_000);

  it('leave base and tuned bit-identical to a plain capture, and an ablation in layer 3 leaves routing of layers 0–2 bit-identical', async () => {
    const out = join(dir, 'plain');
    await runCapture({
      models: [
        { name: 'base', path: join(pair, 'base.fused.onnx') },
        { name: 'tuned', path: join(pair, 'tuned.fused.onnx') },
      ],
      probes: join(dir, 'p.jsonl'),
      out,
      plan: INTERVENTION_PLAN,
      ep: 'cpu',
    });
    const plain = await openRun(out);
    for (const u of Object.values(plain.manifest.units)) {
      for (const table of ['answer_logprobs', 'routing'] as const) {
        const a = (await readPart(plain, table, { model: u.model, probeId: u.probe_id }))
          .toArray()
          .map((r) => r.toJSON());
        const b = (await readPart(fused, table, { model: u.model, probeId: u.probe_id }))
          .toArray()
          .map((r) => r.toJSON());
        expect(b, `${u.model} ${u.probe_id} ${table}`).toEqual(a);
      }
      if (u.model !== 'tuned') continue;
      for (const layer of [0, 1, 2]) {
        const a = (await readPart(fused, 'routing', { model: 'tuned', probeId: u.probe_id, layer }))
          .toArray()
          .map((r) => r.toJSON());
        const b = (await readPart(fused, 'routing', { model: 'tuned.ablate-l3', probeId: u.probe_id, layer }))
          .toArray()
          .map((r) => ({ ...r.toJSON(), model: 'tuned' }));
        expect(b, `layer ${layer}`).toEqual(a);
      }
      const ablated = await logprobs(fused, 'tuned.ablate-l3', u.probe_id);
      expect(ablated).not.toEqual(await logprobs(fused, 'tuned', u.probe_id));
    }
  }, 900_000);
});
