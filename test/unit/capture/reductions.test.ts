import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuerySet } from '../../../analysis/schema/query-sets.ts';
import { captureUnit } from '../../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture, type InstrumentedModel } from '../../../analysis/capture/instrument.ts';
import { parsePlan, type CapturePlan } from '../../../analysis/capture/plan.ts';
import { openModel, type ModelSession } from '../../../analysis/capture/session.ts';
import { buildQwen3MoeGraph } from '../../../models/qwen3-moe/build-graph.ts';
import { oracleForward } from '../../../models/qwen3-moe/oracle.ts';
import { randomWeights } from '../../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile, tokenIds } from '../onnx/tiny-model.ts';
import { referenceReductions, rowsOf, syntheticProbe } from './capture-fixture.ts';

const weights = randomWeights(TINY, 11);
const T = 100,
  H = TINY.num_attention_heads,
  k = 8;
const probe = syntheticProbe(tokenIds(T, TINY.vocab_size, 3));
const oracle = oracleForward(weights, probe.input_ids, { attentionLayers: [0, 1], routing: true });
// Chunk 32 uses the default distance sets (rows gathered before CumSum); 7 and 100 add `all` (every row).
const plan = (chunk: number, rows: Partial<NonNullable<CapturePlan['rows']>> = {}): CapturePlan =>
  parsePlan({
    chunk_size: chunk,
    router_probs: true,
    rows: { k, min_weight: 1e-6, ...rows },
    ...(chunk === 32 ? {} : { distance: { query_sets: ['answer', 'last', 'question', 'all'] } }),
  });

const models: Record<string, { inst: InstrumentedModel; session: ModelSession }> = {};
async function open(form: 'unfused' | 'fused', full: boolean) {
  const key = `${form}.${full}`;
  if (!models[key]) {
    const path = tempFile(`${form}.onnx`, buildQwen3MoeGraph(weights, { form }));
    const inst = instrumentForCapture(path, plan(full ? 32 : 7, { full }));
    models[key] = { inst, session: await openModel(inst.path, { ep: 'cpu' }) };
  }
  return models[key];
}
async function openGathered(form: 'unfused' | 'fused') {
  const key = `${form}.gathered`;
  if (!models[key]) {
    const path = tempFile(`${form}.onnx`, buildQwen3MoeGraph(weights, { form }));
    const inst = instrumentForCapture(path, plan(32));
    models[key] = { inst, session: await openModel(inst.path, { ep: 'cpu' }) };
  }
  return models[key];
}
beforeAll(async () => {
  await open('unfused', false);
});
afterAll(async () => {
  for (const m of Object.values(models)) {
    await m.session.close();
    m.inst.dispose();
  }
});

describe('in-graph reductions equal plain-JS reductions of the oracle probabilities', () => {
  for (const form of ['unfused', 'fused'] as const)
    for (const chunk of [7, 32, 100]) {
      it(`${form}, chunk ${chunk}: segments, distance${chunk === 32 ? '' : ' (with all)'}, top-k rows, routing, router probs, answer log-probs`, async () => {
        const { inst: i0, session: s0 } = await open(form, false);
        const gathered = chunk === 32 ? await openGathered(form) : null;
        const { inst, session } = gathered ?? { inst: i0, session: s0 };
        const p = plan(chunk);
        const t = await captureUnit(session, inst.layout, probeFeeds(probe, p), p);
        let worst = 0;
        for (const L of [0, 1]) {
          const ref = referenceReductions(oracle.attention.get(L)!, H, probe);
          for (const r of rowsOf(t.attention_segments!).filter((r) => r.layer === L)) {
            worst = Math.max(worst, Math.abs(r.mass - ref.segmentMass(r.head, r.query_segment, r.key_segment)));
          }
          for (const r of rowsOf(t.attention_distance!).filter((r) => r.layer === L)) {
            worst = Math.max(worst, Math.abs(r.mass - ref.distance(r.head, r.query_set as QuerySet)[r.bin]!));
          }
          for (const r of rowsOf(t.attention_rows!).filter((r) => r.layer === L)) {
            const full = ref.row(r.head, r.query_pos);
            worst = Math.max(worst, Math.abs(r.weight - full[r.key_pos]!));
            const kth = [...full].sort((a, b) => b - a)[k - 1]!;
            expect(r.weight).toBeGreaterThanOrEqual(kth - 1e-5); // a top-k key
          }
        }
        expect(worst).toBeLessThan(2e-5);
        expect(new Set(t.attention_distance!.query_set)).toEqual(new Set(p.distance!.query_sets));
        const answerRows = rowsOf(t.attention_rows!).filter((r) => r.query_set === 'answer');
        expect(new Set(answerRows.map((r) => r.query_pos)).size).toBe(6);
        // Routing: same experts as the oracle, gates within 1e-5.
        for (const r of rowsOf(t.routing!)) {
          const o = oracle.routing![r.layer]!;
          expect(r.expert).toBe(o.experts[r.position * TINY.num_experts_per_tok + r.rank]);
          expect(Math.abs(r.gate - o.weights[r.position * TINY.num_experts_per_tok + r.rank]!)).toBeLessThan(1e-5);
        }
        expect(t.routing!.layer.length).toBe(2 * T * TINY.num_experts_per_tok);
        for (const r of rowsOf(t.router_probs!))
          expect(
            Math.abs(r.prob - oracle.routing![r.layer]!.probs[r.position * TINY.num_experts + r.expert]!),
          ).toBeLessThan(1e-5);
        // Answer log-probs from the narrowed head = log-softmax of the oracle's logits at p − 1.
        const V = TINY.vocab_size;
        for (const r of rowsOf(t.answer_logprobs!)) {
          const logits = oracle.logits.subarray((r.position - 1) * V, r.position * V);
          const max = Math.max(...logits),
            lse = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
          expect(Math.abs(r.logprob - (logits[r.token_id]! - lse))).toBeLessThan(1e-4);
        }
        expect(t.answer_logprobs!.position).toEqual([94, 95, 96, 97, 98, 99]);
      });
    }

  it('full rows keep every visible key and sum to 1; top-k rows sum to row_mass_kept', async () => {
    const { inst, session } = await open('unfused', true);
    const full = await captureUnit(
      session,
      inst.layout,
      probeFeeds(probe, plan(32, { full: true })),
      plan(32, { full: true }),
    );
    const byRow = new Map<string, { n: number; sum: number; kept: number; q: number }>();
    for (const r of rowsOf(full.attention_rows!)) {
      const key = `${r.layer}/${r.head}/${r.query_set}/${r.query_pos}`;
      const e = byRow.get(key) ?? { n: 0, sum: 0, kept: r.row_mass_kept, q: r.query_pos };
      e.n++;
      e.sum += r.weight;
      byRow.set(key, e);
    }
    for (const e of byRow.values()) {
      expect(e.n).toBe(e.q + 1);
      expect(Math.abs(e.sum - 1)).toBeLessThan(1e-5);
      expect(Math.abs(e.kept - e.sum)).toBeLessThan(1e-6);
    }
    const { inst: i2, session: s2 } = await open('unfused', false);
    const topk = await captureUnit(s2, i2.layout, probeFeeds(probe, plan(7)), plan(7));
    const sums = new Map<string, { sum: number; kept: number; n: number }>();
    for (const r of rowsOf(topk.attention_rows!)) {
      const key = `${r.layer}/${r.head}/${r.query_set}/${r.query_pos}`;
      const e = sums.get(key) ?? { sum: 0, kept: r.row_mass_kept, n: 0 };
      e.sum += r.weight;
      e.n++;
      sums.set(key, e);
    }
    for (const e of sums.values()) {
      expect(e.n).toBeLessThanOrEqual(k);
      expect(Math.abs(e.sum - e.kept)).toBeLessThan(1e-5);
      expect(e.kept).toBeLessThanOrEqual(1 + 1e-5);
    }
  });
});
