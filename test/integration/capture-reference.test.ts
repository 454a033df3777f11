import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUnit } from '../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture, type InstrumentedModel } from '../../analysis/capture/instrument.ts';
import { DEFAULT_PLAN, parsePlan } from '../../analysis/capture/plan.ts';
import type { CaptureProbe } from '../../analysis/capture/query-sets.ts';
import { openModel, type ModelSession } from '../../analysis/capture/session.ts';
import type { UnitTables } from '../../analysis/io/run-writer.ts';
import { DEFAULT_PAIR_DIR } from '../../analysis/io/reference-pair.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import { PLANT } from '../../models/reference/layout.ts';
import { rowsOf } from '../unit/capture/capture-fixture.ts';
import { handPlacedEvidence, referencePair } from './reference-fixture.ts';

type Key = `${'base' | 'tuned'}.${'unfused' | 'fused'}`;
const KEYS: Key[] = ['tuned.unfused', 'tuned.fused', 'base.fused'];
const opened = {} as Record<Key, { inst: InstrumentedModel; session: ModelSession }>;
const results = {} as Record<Key, UnitTables>;

// 1,500 tokens: filler, 16 evidence tokens 900 tokens before 8 answer tokens that repeat them.
const placed = handPlacedEvidence(1500, 900, 7);
const T = placed.ids.length;
const probe: CaptureProbe = {
  id: 'hand-placed',
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
  for (const key of KEYS) {
    const inst = instrumentForCapture(`${DEFAULT_PAIR_DIR}/${key}.onnx`, plan);
    opened[key] = { inst, session: await openModel(inst.path, { ep: 'cpu' }) };
    results[key] = await captureUnit(opened[key].session, inst.layout, probeFeeds(probe, plan), plan);
  }
}, 180_000);
afterAll(async () => {
  for (const o of Object.values(opened)) {
    await o.session.close();
    o.inst.dispose();
  }
});

const segMass = (t: UnitTables, L: number, h: number, q: number, k: number): number =>
  rowsOf(t.attention_segments!).find(
    (r) => r.layer === L && r.head === h && r.query_segment === q && r.key_segment === k,
  )!.mass;

describe('capture on the reference pair', () => {
  it('unfused and fused forms agree: segment masses, distance profiles and top-k rows within 1e-4', () => {
    const [u, f] = [results['tuned.unfused'], results['tuned.fused']];
    const diff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));
    expect(u.attention_segments!.mass.length).toBe(f.attention_segments!.mass.length);
    expect(diff(u.attention_segments!.mass, f.attention_segments!.mass)).toBeLessThan(1e-4);
    expect(diff(u.attention_distance!.mass, f.attention_distance!.mass)).toBeLessThan(1e-4);
    const weights = new Map(
      rowsOf(u.attention_rows!).map((r) => [
        `${r.layer}/${r.head}/${r.query_set}/${r.query_pos}/${r.key_pos}`,
        r.weight,
      ]),
    );
    let matched = 0;
    for (const r of rowsOf(f.attention_rows!)) {
      const w = weights.get(`${r.layer}/${r.head}/${r.query_set}/${r.query_pos}/${r.key_pos}`);
      if (w === undefined) {
        expect(r.weight).toBeLessThan(1e-3);
        continue;
      } // a near-tie at the k-th place or the threshold
      expect(Math.abs(w - r.weight)).toBeLessThan(1e-4);
      matched++;
    }
    expect(matched).toBeGreaterThan(0.98 * f.attention_rows!.weight.length);
  });

  it('every top-k row sums to its row_mass_kept, which is at most 1', () => {
    for (const key of KEYS) {
      const rows = new Map<string, { sum: number; kept: number }>();
      for (const r of rowsOf(results[key].attention_rows!)) {
        const id = `${r.layer}/${r.head}/${r.query_set}/${r.query_pos}`;
        const e = rows.get(id) ?? { sum: 0, kept: r.row_mass_kept };
        e.sum += r.weight;
        rows.set(id, e);
      }
      expect(rows.size).toBe(4 * 4 * (8 + 1 + 32)); // layers × heads × (answer + last + question rows)
      for (const e of rows.values()) {
        expect(Math.abs(e.sum - e.kept)).toBeLessThan(1e-4);
        expect(e.kept).toBeLessThanOrEqual(1 + 1e-5);
      }
    }
  });

  it("the planted retrieval heads put the answer tokens' mass on the evidence in tuned, not in base", () => {
    for (const { layer, head } of PLANT.retrievalHeads) {
      const tuned = segMass(results['tuned.fused'], layer, head, 2, 0);
      const base = segMass(results['base.fused'], layer, head, 2, 0);
      expect(tuned).toBeGreaterThan(0.5);
      expect(base).toBeLessThan(0.1);
      // The same mass shows in the distance profile: answer rows reach ~900 tokens back.
      const far = rowsOf(results['tuned.fused'].attention_distance!).filter(
        (r) => r.layer === layer && r.head === head && r.query_set === 'answer' && r.bin_hi > 880 && r.bin_lo <= 930,
      );
      expect(far.reduce((s, r) => s + r.mass, 0)).toBeGreaterThan(0.4);
    }
  });

  it("routing top-k equals the TypeScript oracle's (48 tokens, chunks of 16)", async () => {
    const ids = placed.ids.slice(0, 48);
    const short: CaptureProbe = {
      id: 'short',
      input_ids: Int32Array.from(ids),
      prompt_tokens: 44,
      answer_span: { start: 44, end: 48 },
      segments: [],
    };
    const p = parsePlan({ ...DEFAULT_PLAN, chunk_size: 16 });
    const oracle = oracleForward(referencePair().tuned, ids, { routing: true });
    for (const key of ['tuned.unfused', 'tuned.fused'] as const) {
      const t = await captureUnit(opened[key].session, opened[key].inst.layout, probeFeeds(short, p), p);
      expect(t.routing!.expert.length).toBe(4 * 48 * 2);
      for (const r of rowsOf(t.routing!)) {
        const o = oracle.routing![r.layer]!;
        expect(r.expert).toBe(o.experts[r.position * 2 + r.rank]);
        expect(Math.abs(r.gate - o.weights[r.position * 2 + r.rank]!)).toBeLessThan(1e-4);
      }
    }
  });
});
