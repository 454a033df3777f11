import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIntervene } from '../../analysis/intervene/run-intervene.ts';
import { openRun, readPart, type Run } from '../../analysis/io/index.ts';
import { importHfCheckpoint } from '../../analysis/io/model-import.ts';
import type { InterventionSpecInput } from '../../analysis/schema/interventions.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import type { ModelWeights } from '../../models/weights.ts';
import { probeLine } from '../pretokenized-probe.ts';
import { checkpoint, removeTempDirs, SMALL, tempDir } from './hf-fixture.ts';

/**
 * Interventions on models imported from Hugging Face checkpoints (external data, graphs acc-lens did not
 * build by hand), both forms, against the float32 oracle run on correspondingly edited weights: zero
 * ablation of a head = its o_proj columns zeroed; a router transplant = the donor's router weights.
 */
const D = SMALL.head_dim;
const ABLATED = { layer: 1, head: 2 };
const spec: InterventionSpecInput = {
  interventions: [
    { name: 'zero', model: 'base', ablate_heads: [ABLATED] },
    { name: 'mean', model: 'base', ablate_heads: [ABLATED], head_ablation: 'mean' },
    { name: 'routers', model: 'base', routers_from: { model: 'tuned', layers: [0, 2] } },
    {
      name: 'experts',
      model: 'base',
      mask_experts: [{ layer: 2, expert: 3 }],
      force_experts: [{ layer: 0, expert: 5 }],
    },
  ],
};
const ANSWER = 6;
const probes = [0, 1].map((p) =>
  Array.from({ length: 40 }, (_, t) => (t * (37 + 2 * p) + 11 * p + 1) % SMALL.vocab_size),
);

let weights: { base: ModelWeights; tuned: ModelWeights };
const runs: Partial<Record<'fused' | 'unfused', Run>> = {};

/** Teacher-forced log-probs of the answer tokens from oracle logits (row t − 1 predicts token t). */
function oracleLogprobs(w: ModelWeights, ids: number[]): number[] {
  const { logits } = oracleForward(w, ids);
  const V = SMALL.vocab_size;
  return Array.from({ length: ANSWER }, (_, i) => {
    const t = ids.length - ANSWER + i;
    const row = logits.subarray((t - 1) * V, t * V);
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    return row[ids[t]!]! - lse;
  });
}

async function logprobs(run: Run, model: string, probeId: string): Promise<number[]> {
  const t = await readPart(run, 'answer_logprobs', { model, probeId });
  return Array.from(t.getChild('logprob')!.toArray() as Float32Array);
}

beforeAll(async () => {
  const a = checkpoint({}, { dtype: 'F32' }, 11);
  const b = checkpoint({}, { dtype: 'F32' }, 12);
  weights = { base: a.weights, tuned: b.weights };
  const models = { base: join(tempDir('iv-imp'), 'base'), tuned: join(tempDir('iv-imp'), 'tuned') };
  await importHfCheckpoint(a.dir, models.base, { forms: ['unfused', 'fused'], dtype: 'float32' });
  await importHfCheckpoint(b.dir, models.tuned, { forms: ['unfused', 'fused'], dtype: 'float32' });
  const dir = tempDir('iv-imp-run');
  const file = join(dir, 'p.jsonl');
  const line = (ids: number[], i: number) =>
    probeLine(`p${i}`, ids, { evidence: [2, 8], answer: [ids.length - ANSWER, ids.length] });
  writeFileSync(file, `${probes.map(line).join('\n')}\n`);
  for (const form of ['fused', 'unfused'] as const) {
    const out = join(dir, form);
    await runIntervene({
      base: join(models.base, `model.${form}.onnx`),
      tuned: join(models.tuned, `model.${form}.onnx`),
      probes: file,
      out,
      spec,
      ep: 'cpu',
    });
    runs[form] = await openRun(out);
  }
}, 300_000);

afterAll(removeTempDirs);

describe('interventions on imported checkpoints (both forms, float32 oracle)', () => {
  it('plain base and tuned equal the oracle (the comparison below is meaningful)', async () => {
    for (const form of ['fused', 'unfused'] as const)
      for (const [i, ids] of probes.entries())
        for (const model of ['base', 'tuned'] as const) {
          const got = await logprobs(runs[form]!, model, `p${i}`);
          oracleLogprobs(weights[model], ids).forEach((v, k) => expect(Math.abs(got[k]! - v)).toBeLessThan(1e-4));
        }
  });

  it('zero ablation of L1H2 equals the oracle with that head’s o_proj columns zeroed', async () => {
    const edited = structuredClone(weights.base);
    const o = edited.layers[ABLATED.layer]!.oProj;
    const width = SMALL.num_attention_heads * D;
    for (let r = 0; r < SMALL.hidden_size; r++)
      o.fill(0, r * width + ABLATED.head * D, r * width + (ABLATED.head + 1) * D);
    for (const form of ['fused', 'unfused'] as const)
      for (const [i, ids] of probes.entries()) {
        const got = await logprobs(runs[form]!, 'base.zero', `p${i}`);
        const want = oracleLogprobs(edited, ids);
        want.forEach((v, k) => expect(Math.abs(got[k]! - v), `${form} p${i} token ${k}`).toBeLessThan(1e-4));
        const plain = oracleLogprobs(weights.base, ids);
        expect(Math.max(...want.map((v, k) => Math.abs(v - plain[k]!)))).toBeGreaterThan(1e-3);
      }
  });

  it("a router transplant equals the oracle with the donor's router weights in those layers", async () => {
    const edited = structuredClone(weights.base);
    for (const layer of [0, 2]) edited.layers[layer]!.router = weights.tuned.layers[layer]!.router.slice();
    for (const form of ['fused', 'unfused'] as const)
      for (const [i, ids] of probes.entries()) {
        const got = await logprobs(runs[form]!, 'base.routers', `p${i}`);
        oracleLogprobs(edited, ids).forEach((v, k) => expect(Math.abs(got[k]! - v)).toBeLessThan(1e-4));
        const plain = await logprobs(runs[form]!, 'base', `p${i}`);
        expect(Math.max(...got.map((v, k) => Math.abs(v - plain[k]!)))).toBeGreaterThan(1e-3);
      }
  });

  it('mean ablation differs from zero ablation and agrees between the forms within 1e-4', async () => {
    for (const [i] of probes.entries()) {
      const [f, u] = [
        await logprobs(runs.fused!, 'base.mean', `p${i}`),
        await logprobs(runs.unfused!, 'base.mean', `p${i}`),
      ];
      f.forEach((v, k) => expect(Math.abs(v - u[k]!)).toBeLessThan(1e-4));
      const zero = await logprobs(runs.fused!, 'base.zero', `p${i}`);
      expect(Math.max(...f.map((v, k) => Math.abs(v - zero[k]!)))).toBeGreaterThan(1e-3);
    }
  });

  it('a forced expert is chosen at every token of its layer, a masked one at none', async () => {
    for (const form of ['fused', 'unfused'] as const)
      for (const [i, ids] of probes.entries()) {
        const experts = async (layer: number) => {
          const t = await readPart(runs[form]!, 'routing', { model: 'base.experts', probeId: `p${i}`, layer });
          const pos = t.getChild('position')!.toArray() as Int32Array;
          const ex = t.getChild('expert')!.toArray() as Int16Array;
          return { pos, ex };
        };
        const l0 = await experts(0);
        const withForced = new Set(Array.from(l0.pos).filter((_, r) => l0.ex[r] === 5));
        expect(withForced.size).toBe(ids.length);
        const l2 = await experts(2);
        expect(l2.ex.length).toBe(ids.length * SMALL.num_experts_per_tok);
        expect(Array.from(l2.ex)).not.toContain(3);
      }
  });
});
