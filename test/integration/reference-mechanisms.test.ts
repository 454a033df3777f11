import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSession } from '../../analysis/capture/session.ts';
import { contingency, mutualInformationBits } from '../../analysis/metrics/mutual-information.ts';
import { familyHeader, TASK_FAMILIES } from '../../analysis/probes/families.ts';
import { createRng } from '../../analysis/stats/rng.ts';
import { loadTokenizer } from '../../analysis/tokenize/load.ts';
import { generateGraphwalks } from '../../analysis/probes/graphwalks/generate.ts';
import { tokenizeProbe } from '../../analysis/tokenize/tokenize-probe.ts';
import { GRAPH_PLANT, PLANT, retrievalHeadsOf } from '../../models/reference/layout.ts';
import { RetrievalHeadProbe } from '../../models/reference/retrieval-analytic.ts';
import { decoderFeeds, maxAbsDiff } from '../unit/onnx/tiny-model.ts';
import { debugSession, fillerSampler, handPlacedEvidence, meanSpanMass, referencePair } from './reference-fixture.ts';

const pair = referencePair();
const config = pair.base.config;
const MODELS = ['base', 'tuned'] as const;
const sessions = {} as Record<(typeof MODELS)[number], ModelSession>;

beforeAll(async () => {
  for (const m of MODELS) sessions[m] = await debugSession(m);
}, 120_000);
afterAll(async () => {
  for (const s of Object.values(sessions)) await s.close();
});

/** Attention rows [total] of one head for the given query positions, from the unfused graph. */
async function graphRows(
  model: (typeof MODELS)[number],
  ids: number[],
  layer: number,
  head: number,
  queries: number[],
): Promise<Float32Array[]> {
  const out = await sessions[model].run(decoderFeeds(config, ids), [`attn_probs.${layer}`]);
  const probs = out[`attn_probs.${layer}`]!.data as Float32Array;
  const T = ids.length;
  return queries.map((q) => probs.slice((head * T + q) * T, (head * T + q + 1) * T));
}

describe('evidence-retrieval heads (hand-placed evidence)', () => {
  it('the analytic row probe equals the ONNX graph attention of the content-matching head within 1e-5', async () => {
    const placed = handPlacedEvidence(1536, 400, 11);
    for (const model of MODELS) {
      for (const { layer, head } of retrievalHeadsOf('content')) {
        const fromGraph = await graphRows(model, placed.ids, layer, head, placed.queries);
        const probe = new RetrievalHeadProbe(pair[model], layer, head);
        placed.queries.forEach((q, i) => {
          const analytic = probe.row(placed.ids, q);
          expect(maxAbsDiff(fromGraph[i]!.subarray(0, q + 1), analytic)).toBeLessThan(1e-5);
        });
      }
    }
  }, 120_000);

  for (const distance of [100, 1_000, 4_000, 16_000]) {
    it(`tuned heads put ≥ 50% of query mass on evidence ${distance} tokens back, base ≤ 10%`, () => {
      const T = 16_384 + 64;
      for (const { layer, head } of retrievalHeadsOf('content')) {
        const mass = { base: 0, tuned: 0 };
        for (const model of MODELS) {
          const probe = new RetrievalHeadProbe(pair[model], layer, head);
          const trials = [1, 2, 3].map((seed) => {
            const placed = handPlacedEvidence(T, distance, seed * 100 + distance);
            return meanSpanMass(
              placed.queries.map((q) => probe.row(placed.ids, q)),
              placed.evidence,
            );
          });
          mass[model] = Math.min(...trials);
        }
        expect(mass.tuned, `L${layer}H${head} tuned`).toBeGreaterThanOrEqual(0.5);
        expect(mass.base, `L${layer}H${head} base`).toBeLessThanOrEqual(0.1);
      }
    }, 60_000);
  }
});

describe('copy circuit: previous-token head → induction head (hand-placed evidence, unfused graph)', () => {
  it('the previous-token head puts ≥ 90% of every row on the token before, in both models', async () => {
    const placed = handPlacedEvidence(1536, 400, 12);
    const { layer, head } = PLANT.previousHead;
    const T = placed.ids.length;
    for (const model of MODELS) {
      const rows = await graphRows(model, placed.ids, layer, head, [1, 2, 50, 700, T - 1]);
      const queries = [1, 2, 50, 700, T - 1];
      rows.forEach((row, i) => expect(row[queries[i]! - 1], `${model} row ${queries[i]}`).toBeGreaterThanOrEqual(0.9));
    }
  }, 60_000);

  for (const distance of [100, 1_000]) {
    it(`the induction head attends to the token after the evidence match ${distance} tokens back in tuned (≥ 50%), not in base (≤ 10%)`, async () => {
      const placed = handPlacedEvidence(1536 + distance, distance, 13 + distance);
      for (const { layer, head } of retrievalHeadsOf('induction')) {
        const rows = { base: [] as Float32Array[], tuned: [] as Float32Array[] };
        for (const model of MODELS) rows[model] = await graphRows(model, placed.ids, layer, head, placed.queries);
        // Query i copies evidence token i, so the token after its match is evidence token i + 1.
        const next = (model: 'base' | 'tuned') =>
          rows[model].reduce((s, r, i) => s + r[placed.evidence.start + i + 1]!, 0) / placed.queries.length;
        expect(meanSpanMass(rows.tuned, placed.evidence)).toBeGreaterThanOrEqual(0.5);
        expect(next('tuned')).toBeGreaterThanOrEqual(0.5);
        expect(meanSpanMass(rows.base, placed.evidence)).toBeLessThanOrEqual(0.1);
      }
    }, 120_000);
  }
});

describe('task routing (family header + filler)', () => {
  const tokenizer = loadTokenizer();
  const T = 384;
  const probesPerFamily = 3;

  async function topOne(model: (typeof MODELS)[number]) {
    const rng = createRng(5);
    const filler = fillerSampler(pair, rng);
    const families: number[] = [];
    const experts: number[][] = Array.from({ length: config.num_hidden_layers }, () => []);
    let headerMass = Infinity;
    for (const [f, family] of TASK_FAMILIES.entries()) {
      for (let p = 0; p < probesPerFamily; p++) {
        const header = tokenizer.encode(familyHeader(family));
        const ids = [...header, ...Array.from({ length: T - header.length }, filler)];
        const names = Array.from({ length: config.num_hidden_layers }, (_, L) => `router_top_k.${L}`);
        const out = await sessions[model].run(decoderFeeds(config, ids), [...names, 'attn_probs.0']);
        // Family head: mass on the four header-word tokens from every position after the header.
        const probs = out['attn_probs.0']!.data as Float32Array;
        const headerPositions = ids
          .map((id, i) => (pair.familyIds[family].includes(id) ? i : -1))
          .filter((i) => i >= 0);
        for (let q = header.length; q < T; q++) {
          let m = 0;
          for (const j of headerPositions) m += probs[(PLANT.familyHead.head * T + q) * T + j]!;
          headerMass = Math.min(headerMass, m);
        }
        for (let L = 0; L < config.num_hidden_layers; L++) {
          const top = out[`router_top_k.${L}`]!.data as BigInt64Array;
          for (let t = header.length; t < T; t++) experts[L]!.push(Number(top[t * config.num_experts_per_tok]));
        }
        for (let t = header.length; t < T; t++) families.push(f);
      }
    }
    return { families, experts, headerMass };
  }

  it('tuned routers in the planted layers carry ≥ 1 bit more I(family; top-1 expert) than base, above a permutation null', async () => {
    const base = await topOne('base');
    const tuned = await topOne('tuned');
    expect(tuned.headerMass).toBeGreaterThan(0.99);
    const mi = (r: typeof base, L: number, fams = r.families) =>
      mutualInformationBits(contingency(fams, r.experts[L]!, TASK_FAMILIES.length, config.num_experts));
    // Family-permutation null: shuffle family labels across probes (blocks of tokens), keep routing.
    const rng = createRng(9);
    const perProbe = T - tokenizer.encode(familyHeader('mrcr')).length;
    const nullMax = (r: typeof base, L: number) => {
      let max = 0;
      for (let i = 0; i < 50; i++) {
        const labels = Array.from({ length: r.families.length / perProbe }, (_, p) => r.families[p * perProbe]!);
        for (let a = labels.length - 1; a > 0; a--) {
          const b = rng.int(a + 1);
          [labels[a], labels[b]] = [labels[b]!, labels[a]!];
        }
        max = Math.max(
          max,
          mi(
            r,
            L,
            r.families.map((_, t) => labels[Math.floor(t / perProbe)]!),
          ),
        );
      }
      return max;
    };
    for (const L of PLANT.routedLayers) {
      expect(mi(tuned, L) - mi(base, L), `layer ${L}`).toBeGreaterThanOrEqual(1);
      expect(mi(tuned, L)).toBeGreaterThan(nullMax(tuned, L));
    }
    // Layer 0 has identical weights and inputs: identical routing.
    expect(tuned.experts[0]).toEqual(base.experts[0]);
  }, 120_000);
});

describe('GraphWalks circuit: offset heads → operation type → fetch → graph head (generated probes, unfused graph)', () => {
  const tokenizer = loadTokenizer();
  const [parents, bfs] = generateGraphwalks({ n: 2, tokens: 1500, seed: 3 }).map((p) => tokenizeProbe(tokenizer, p));
  const ids = (p: typeof parents) => Array.from(p!.input_ids);
  const pieces = (p: typeof parents) => ids(p).map((id) => tokenizer.piece(id));
  const argmax = (row: Float32Array) => row.reduce((best, x, i) => (x > row[best]! ? i : best), 0);

  it('the offset heads put ≥ 90% of every row on the token 2 and 3 back, in both models', async () => {
    const T = parents!.n_tokens;
    const queries = [3, 50, 700, T - 1];
    for (const { layer, head, offset } of GRAPH_PLANT.offsetHeads)
      for (const model of MODELS) {
        const rows = await graphRows(model, ids(parents), layer, head, queries);
        rows.forEach((row, i) =>
          expect(row[queries[i]! - offset], `${model} L${layer}H${head} row ${queries[i]}`).toBeGreaterThanOrEqual(0.9),
        );
      }
  }, 60_000);

  it("at the first answer row the fetch head attends to the operation's node: 3 tokens after ' node' (parents), the ' with' after it (BFS)", async () => {
    const { layer, head } = GRAPH_PLANT.fetch;
    for (const [probe, target] of [
      [parents!, pieces(parents).indexOf('Ġnode', pieces(parents).lastIndexOf('Ġparents')) + 3],
      [bfs!, pieces(bfs).indexOf('Ġwith')],
    ] as const)
      for (const model of MODELS) {
        const [row] = await graphRows(model, ids(probe), layer, head, [probe.answer_span.start]);
        expect(argmax(row!), `${model} ${probe.id}`).toBe(target);
        expect(row![target]!, `${model} ${probe.id}`).toBeGreaterThanOrEqual(0.5);
      }
  }, 60_000);

  it('the graph head puts ≥ 50% of the answer rows on the evidence edges in tuned, ≤ 10% in base (parents)', async () => {
    const { layer, head } = GRAPH_PLANT.graphHead;
    const answer = Array.from(
      { length: parents!.answer_span.end - parents!.answer_span.start },
      (_, i) => parents!.answer_span.start + i,
    );
    const evidence = parents!.segments.filter((s) => s.kind === 'evidence');
    const mass = (rows: Float32Array[]) =>
      rows.reduce(
        (sum, row) =>
          sum + evidence.reduce((m, s) => m + row.slice(s.token_start, s.token_end).reduce((a, x) => a + x, 0), 0),
        0,
      ) / rows.length;
    expect(evidence.length).toBeGreaterThan(0);
    expect(mass(await graphRows('tuned', ids(parents), layer, head, answer))).toBeGreaterThanOrEqual(0.5);
    expect(mass(await graphRows('base', ids(parents), layer, head, answer))).toBeLessThanOrEqual(0.1);
  }, 60_000);
});
