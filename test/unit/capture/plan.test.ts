import { describe, expect, it } from 'vitest';
import { ATTENTION_BUFFERS, estimatePlan } from '../../../analysis/capture/estimate.ts';
import type { ModelShape } from '../../../analysis/capture/instrument.ts';
import { chunkSizeFor, DEFAULT_PLAN, parsePlan, planIdentity } from '../../../analysis/capture/plan.ts';
import { inShard, parseShard, stableHash } from '../../../analysis/capture/shard.ts';
import { AccLensError } from '../../../analysis/errors.ts';

const REFERENCE: ModelShape = {
  layers: 4,
  queryHeads: 4,
  kvHeads: 2,
  headDim: 128,
  experts: 16,
  topK: 2,
  embeddingRows: 151_936,
  fileBytes: 191e6,
};
const probe = (n: number) => ({ id: `p${n}`, n_tokens: n, segments: 10, rowQueries: 50 });

describe('capture plan', () => {
  it('parsePlan({}) fills the documented defaults', () => {
    expect(DEFAULT_PLAN).toEqual({
      segments: true,
      distance: { query_sets: ['answer', 'last', 'question'] },
      rows: { query_sets: ['answer', 'last', 'question'], k: 64, min_weight: 1e-4, full: false },
      routing: true,
      router_probs: false,
      answer_logprobs: true,
      chunk_size: 'auto',
    });
    expect(parsePlan({ rows: { k: 16 } }).rows).toMatchObject({ k: 16, full: false, min_weight: 1e-4 });
  });

  it('parsePlan refuses unknown fields and bad values with E_CONFIG_INVALID naming the field', () => {
    expect(() => parsePlan({ chunk: 5 })).toThrow(AccLensError);
    try {
      parsePlan({ rows: { k: 0 } });
    } catch (e) {
      expect((e as AccLensError).message).toContain('rows.k');
    }
    expect(() => parsePlan({ distance: { query_sets: ['answers'] } })).toThrow(/distance.query_sets/);
  });

  it('planIdentity leaves out the memory budget (it does not change what is captured)', () => {
    expect(planIdentity(parsePlan({ memory_budget_bytes: 1e9 }))).toEqual(planIdentity(DEFAULT_PLAN));
  });
});

describe('estimatePlan', () => {
  it('peak grows with chunk × context, not context²: 16k at chunk 1024 stays under 4 GB, full context² would not', () => {
    const e = estimatePlan(parsePlan({ chunk_size: 1024 }), [REFERENCE], [probe(16_384)]);
    expect(e.peakBytes).toBeLessThan(4e9);
    expect(e.breakdown.attentionChunk).toBe(ATTENTION_BUFFERS.chunked * 4 * 1024 * 16_384 * 4);
    const oneShot = estimatePlan(parsePlan({ chunk_size: 16_384 }), [REFERENCE], [probe(16_384)]);
    expect(oneShot.peakBytes).toBeGreaterThan(e.peakBytes + 6 * 2 ** 30);
  });

  it('chunkSizeFor: auto keeps chunk × tokens ≤ 2^23 with chunks from 1,024 down to 128; a number is used as is', () => {
    expect([1000, 8192, 16_384, 32_768, 131_072, 1_000_000].map((t) => chunkSizeFor(DEFAULT_PLAN, t))).toEqual([
      1024, 1024, 512, 256, 128, 128,
    ]);
    expect(chunkSizeFor(parsePlan({ chunk_size: 300 }), 16_384)).toBe(300);
    expect(estimatePlan(DEFAULT_PLAN, [REFERENCE], [probe(16_384)]).breakdown.attentionChunk).toBe(
      ATTENTION_BUFFERS.chunked * 4 * 512 * 16_384 * 4,
    );
  });

  it('over budget → not fits, with a smaller chunk that does fit suggested', () => {
    const e = estimatePlan(parsePlan({ memory_budget_bytes: 1.2e9, chunk_size: 1024 }), [REFERENCE], [probe(16_384)]);
    expect(e.fits).toBe(false);
    const chunk = Number(/--chunk-size (\d+)/.exec(e.suggestion ?? '')?.[1]);
    expect(chunk).toBeLessThan(1024);
    expect(
      estimatePlan(parsePlan({ memory_budget_bytes: 1.2e9, chunk_size: chunk }), [REFERENCE], [probe(16_384)]).fits,
    ).toBe(true);
  });

  it('full rows and router probs add to the output size', () => {
    const base = estimatePlan(DEFAULT_PLAN, [REFERENCE], [probe(4096)]).outputBytes;
    expect(estimatePlan(parsePlan({ router_probs: true }), [REFERENCE], [probe(4096)]).outputBytes).toBeGreaterThan(
      base,
    );
    expect(estimatePlan(parsePlan({ rows: { full: true } }), [REFERENCE], [probe(4096)]).outputBytes).toBeGreaterThan(
      base,
    );
  });
});

describe('shards', () => {
  it('parseShard("1/4") reads i/n and refuses i ≥ n', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/0 ≤ i < n/);
    expect(() => parseShard('a/b')).toThrow(AccLensError);
  });

  it('stableHash is FNV-1a-32 and every probe falls in exactly one shard', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    const ids = Array.from({ length: 200 }, (_, i) => `probe-${i}`);
    for (const id of ids) expect([0, 1, 2].filter((i) => inShard(id, { index: i, count: 3 }))).toHaveLength(1);
    for (const i of [0, 1, 2])
      expect(ids.filter((id) => inShard(id, { index: i, count: 3 })).length).toBeGreaterThan(40);
  });
});
