import { describe, expect, it } from 'vitest';
import { assertFits, ATTENTION_BUFFERS, estimatePlan } from '../../../analysis/capture/estimate.ts';
import type { ModelShape } from '../../../analysis/capture/instrument.ts';
import { DEFAULT_PLAN, parsePlan } from '../../../analysis/capture/plan.ts';
import { AccLensError } from '../../../analysis/errors.ts';

// A Qwen3-30B-A3B-like shape (32 query heads, 48 layers) exported without KV-cache inputs.
const NO_CACHE: ModelShape = {
  cache: false,
  layers: 48,
  queryHeads: 32,
  kvHeads: 4,
  headDim: 128,
  experts: 128,
  topK: 8,
  embeddingRows: 151_936,
  fileBytes: 1e9,
};
const probe = (n: number) => ({ id: `p${n}`, n_tokens: n, segments: 10, rowQueries: 50 });

describe('estimatePlan for a graph without KV-cache inputs', () => {
  it('estimatePlan uses chunk = T: attention buffers are heads × T² whatever chunk_size says', () => {
    const e = estimatePlan(parsePlan({ chunk_size: 256 }), [NO_CACHE], [probe(8192)]);
    expect(e.breakdown.attentionChunk).toBe(ATTENTION_BUFFERS.onePass * 32 * 8192 * 8192 * 4);
    expect(e.worst).toEqual({ model: 0, probeId: 'p8192', tokens: 8192, cache: false });
    expect(estimatePlan(DEFAULT_PLAN, [{ ...NO_CACHE, cache: true }], [probe(8192)]).breakdown.attentionChunk).toBe(
      ATTENTION_BUFFERS.chunked * 32 * 1024 * 8192 * 4,
    );
  });

  it('assertFits refuses it with E_CONTEXT_TOO_LONG: no KV-cache inputs, one pass, ≈ GB at T tokens, and how many tokens fit', () => {
    const e = estimatePlan(parsePlan({ memory_budget_bytes: 16e9 }), [NO_CACHE], [probe(32_768)]);
    expect(e.fits).toBe(false);
    expect(e.maxOnePassTokens).toBeGreaterThan(2048);
    expect(e.maxOnePassTokens).toBeLessThan(32_768);
    let err: unknown;
    try {
      assertFits(e, ['big.onnx']);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(AccLensError);
    const a = err as AccLensError;
    expect(a.code).toBe('E_CONTEXT_TOO_LONG');
    expect(a.message).toContain(
      `big.onnx has no KV-cache inputs, so the whole prompt runs in one pass and needs ≈ ${(e.peakBytes / 1e9).toFixed(1)} GB at 32768 tokens`,
    );
    expect(`${a.message} ${a.fix ?? ''}`).toMatch(
      /export the model with past_key_values\.N\.key\/value inputs .* to capture in chunks, or use shorter probes \(about \d+ tokens fit/i,
    );
    // maxOnePassTokens is where the estimate crosses the budget.
    expect(estimatePlan(parsePlan({ memory_budget_bytes: 16e9 }), [NO_CACHE], [probe(e.maxOnePassTokens!)]).fits).toBe(
      true,
    );
  });

  it('a cached model over budget keeps E_CONFIG_INVALID and its chunk suggestion', () => {
    const e = estimatePlan(
      parsePlan({ memory_budget_bytes: 3e9, chunk_size: 4096 }),
      [{ ...NO_CACHE, cache: true }],
      [probe(32_768)],
    );
    expect(() => assertFits(e)).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
  });
});
