import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUnit } from '../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture, type InstrumentedModel } from '../../analysis/capture/instrument.ts';
import { parsePlan } from '../../analysis/capture/plan.ts';
import type { CaptureProbe } from '../../analysis/capture/query-sets.ts';
import { openModel, type ModelSession } from '../../analysis/capture/session.ts';
import type { UnitTables } from '../../analysis/io/run-writer.ts';
import { DEFAULT_PAIR_DIR } from '../../analysis/io/reference-pair.ts';
import { discoverModel } from '../../analysis/onnx/discover/index.ts';
import { planInstrumentation } from '../../analysis/onnx/instrument/index.ts';
import { readModel } from '../../analysis/onnx/read-model.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { PLANT } from '../../models/reference/layout.ts';
import { rowsOf } from '../unit/capture/capture-fixture.ts';
import { tempFile } from '../unit/onnx/tiny-model.ts';
import { handPlacedEvidence, referencePair } from './reference-fixture.ts';

// The tuned reference model in float32 (the built pair) and in float16, both forms (weights, activations,
// KV cache and logits in float16; the builder keeps norms and softmaxes in float32, as HF does).
type Key = 'fp32' | 'fp16.unfused' | 'fp16.fused';
const KEYS: Key[] = ['fp32', 'fp16.unfused', 'fp16.fused'];
const opened = {} as Record<Key, { inst: InstrumentedModel; session: ModelSession }>;
const results = {} as Record<Key, UnitTables>;
const paths = {} as Record<Key, string>;

// 1,200 tokens in chunks of 512 (so the float16 KV cache is fed back twice): evidence 700 tokens before the answer.
const placed = handPlacedEvidence(1200, 700, 11);
const T = placed.ids.length;
const probe: CaptureProbe = {
  id: 'fp16',
  input_ids: Int32Array.from(placed.ids),
  prompt_tokens: T - 8,
  answer_span: { start: T - 8, end: T },
  segments: [
    { kind: 'evidence', token_start: placed.evidence.start, token_end: placed.evidence.end },
    { kind: 'question', token_start: T - 40, token_end: T - 8 },
    { kind: 'answer', token_start: T - 8, token_end: T },
  ],
};
const plan = parsePlan({ chunk_size: 512 });

beforeAll(async () => {
  paths.fp32 = `${DEFAULT_PAIR_DIR}/tuned.unfused.onnx`;
  for (const form of ['unfused', 'fused'] as const)
    paths[`fp16.${form}`] = tempFile(
      `tuned.${form}.fp16.onnx`,
      buildQwen3MoeGraph(referencePair().tuned, { form, dtype: 'float16' }),
    );
  for (const key of KEYS) {
    const inst = instrumentForCapture(paths[key], plan);
    opened[key] = { inst, session: await openModel(inst.path, { ep: 'cpu' }) };
    results[key] = await captureUnit(opened[key].session, inst.layout, probeFeeds(probe, plan), plan);
  }
}, 300_000);
afterAll(async () => {
  for (const o of Object.values(opened)) {
    await o.session.close();
    o.inst.dispose();
  }
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

// Float16 tolerance, stated: segment masses and distance profiles are sums of float32-accumulated
// float16-computed probabilities, within 1e-2 absolute (a planted head's mass moves by ~1e-3); top-k row
// weights within 2e-2 where both keep the key (sharp heads: a logit scale of ~25 on float16 scores); answer log-probs within 5e-2 nats; top-k experts identical
// for ≥ 98 % of token × layer pairs (a near-tie can flip); gates (top-2 renormalised, so a 0.1 logit error
// moves them by ~2.5 %) within 1e-2 for 99 % of the matching ones and within 1e-1 for all.
describe('capture of the float16 reference model (both forms) against float32', () => {
  it('discovery reports float16 sites and float32 capture tensors', () => {
    const inst = planInstrumentation(discoverModel(readModel(paths['fp16.fused']).model));
    const attn = inst.tensors.filter((t) => t.kind === 'attn_probs');
    expect(attn.length).toBe(4);
    expect(attn.every((t) => t.elementType === 'float32' && t.sourceElementType === 'float16')).toBe(true);
    const weights = inst.tensors.filter((t) => t.kind === 'topk_weights');
    expect(weights.every((t) => t.elementType === 'float32')).toBe(true);
  });

  for (const key of ['fp16.unfused', 'fp16.fused'] as const) {
    it(`${key}: segment masses and distance profiles within 1e-2 of float32`, () => {
      const [a, b] = [results.fp32, results[key]];
      expect(b.attention_segments!.mass.length).toBe(a.attention_segments!.mass.length);
      const seg = maxDiff(a.attention_segments!.mass, b.attention_segments!.mass);
      const dist = maxDiff(a.attention_distance!.mass, b.attention_distance!.mass);
      console.info(`${key}: segment mass max |Δ| ${seg.toExponential(2)}, distance mass ${dist.toExponential(2)}`);
      expect(seg).toBeLessThan(1e-2);
      expect(dist).toBeLessThan(1e-2);
    });

    it(`${key}: top-k attention rows within 2e-2 where both keep the key`, () => {
      const ref = new Map(
        rowsOf(results.fp32.attention_rows!).map((r) => [
          `${r.layer}/${r.head}/${r.query_set}/${r.query_pos}/${r.key_pos}`,
          r.weight,
        ]),
      );
      let matched = 0,
        worst = 0;
      const rows = rowsOf(results[key].attention_rows!);
      for (const r of rows) {
        const w = ref.get(`${r.layer}/${r.head}/${r.query_set}/${r.query_pos}/${r.key_pos}`);
        if (w === undefined) {
          expect(r.weight).toBeLessThan(1e-2); // kept here, not in float32: a near-tie at the k-th place
          continue;
        }
        worst = Math.max(worst, Math.abs(w - r.weight));
        matched++;
      }
      console.info(`${key}: rows matched ${matched}/${rows.length}, max |Δ| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(2e-2);
      expect(matched).toBeGreaterThan(0.95 * rows.length);
    });

    it(`${key}: routing top-k identical for ≥ 98 % of tokens, gates within 1e-2 (99 %); answer log-probs within 5e-2`, () => {
      const a = rowsOf(results.fp32.routing!),
        b = rowsOf(results[key].routing!);
      expect(b.length).toBe(a.length);
      const set = (rows: typeof a) => {
        const m = new Map<string, number[]>();
        for (const r of rows)
          m.set(`${r.layer}/${r.position}`, [...(m.get(`${r.layer}/${r.position}`) ?? []), r.expert]);
        return m;
      };
      const [sa, sb] = [set(a), set(b)];
      let same = 0;
      for (const [k, v] of sa) if ([...v].sort().join() === [...sb.get(k)!].sort().join()) same++;
      const gates: number[] = [];
      a.forEach((r, i) => {
        if (b[i]!.expert === r.expert) gates.push(Math.abs(b[i]!.gate - r.gate));
      });
      gates.sort((x, y) => x - y);
      const gate = gates.at(-1)!,
        gate99 = gates[Math.floor(0.99 * (gates.length - 1))]!;
      const lp = maxDiff(results.fp32.answer_logprobs!.logprob, results[key].answer_logprobs!.logprob);
      console.info(
        `${key}: routing same top-k ${same}/${sa.size}, gate max |Δ| ${gate.toExponential(2)} (99th percentile ${gate99.toExponential(2)}), logprob max |Δ| ${lp.toExponential(2)}`,
      );
      expect(same).toBeGreaterThanOrEqual(0.98 * sa.size);
      expect(gate99).toBeLessThan(1e-2);
      expect(gate).toBeLessThan(1e-1);
      expect(lp).toBeLessThan(5e-2);
    });

    it(`${key}: the planted retrieval heads still put the answer's mass on the evidence`, () => {
      for (const { layer, head } of PLANT.retrievalHeads) {
        const m = rowsOf(results[key].attention_segments!).find(
          (r) => r.layer === layer && r.head === head && r.query_segment === 2 && r.key_segment === 0,
        )!.mass;
        expect(m).toBeGreaterThan(0.5);
      }
    });
  }
});
