import { describe, expect, it } from 'vitest';
import { evidenceLift, mergeSpans, uniformSpanMass } from '../../../analysis/metrics/evidence-lift.ts';
import { segmentSetMass } from '../../../analysis/metrics/segment-mass.ts';
import { sinkMass } from '../../../analysis/metrics/sink-mass.ts';
import { answerLogprob } from '../../../analysis/metrics/answer-logprob.ts';

describe('uniformSpanMass', () => {
  it('is |evidence ∩ [0, q]| / (q + 1) for one query', () => {
    expect(uniformSpanMass([{ start: 0, end: 2 }], 3, 4)).toBeCloseTo(0.5, 12);
    expect(uniformSpanMass([{ start: 10, end: 20 }], 99, 100)).toBeCloseTo(0.1, 12);
  });
  it('averages over the query span and counts only visible keys', () => {
    // q = 1 sees keys 0..1 of which key 1 is evidence (½); q = 2 sees 0..2, evidence 1..2 (⅔).
    expect(uniformSpanMass([{ start: 1, end: 3 }], 1, 3)).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
  });
  it('counts overlapping spans once and gives 0 for empty spans or empty query ranges', () => {
    expect(
      uniformSpanMass(
        [
          { start: 0, end: 4 },
          { start: 2, end: 6 },
        ],
        9,
        10,
      ),
    ).toBeCloseTo(0.6, 12);
    expect(uniformSpanMass([], 0, 10)).toBe(0);
    expect(uniformSpanMass([{ start: 5, end: 5 }], 0, 10)).toBe(0);
    expect(uniformSpanMass([{ start: 0, end: 4 }], 3, 3)).toBe(0);
  });
  it('mergeSpans sorts and unions', () => {
    expect(
      mergeSpans([
        { start: 5, end: 8 },
        { start: 0, end: 2 },
        { start: 1, end: 3 },
      ]),
    ).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 8 },
    ]);
  });
});

describe('evidenceLift', () => {
  it('is 1 when attention is uniform, mass ÷ baseline otherwise, 0 (not Infinity) with no baseline', () => {
    expect(evidenceLift(0.1, 0.1)).toBe(1);
    expect(evidenceLift(0.5, 0.01)).toBeCloseTo(50, 12);
    expect(evidenceLift(0.5, 0)).toBe(0);
  });
});

describe('segmentSetMass', () => {
  const rows = { query: [0, 0, 1, 1], key: [2, 3, 2, 3], mass: [0.2, 0.8, 0.6, 0.4], nQueries: [1, 1, 3, 3] };
  it('weights query segments by their query count', () => {
    expect(segmentSetMass(rows, new Set([0, 1]), new Set([2])).mass).toBeCloseTo((0.2 * 1 + 0.6 * 3) / 4, 12);
    expect(segmentSetMass(rows, new Set([0, 1]), new Set([2])).nQueries).toBe(4);
  });
  it('is 0 with no query segment (empty segments) and with no key segment', () => {
    expect(segmentSetMass(rows, new Set([9]), new Set([2]))).toEqual({ mass: 0, nQueries: 0 });
    expect(segmentSetMass(rows, new Set([0]), new Set()).mass).toBe(0);
  });
});

describe('sinkMass', () => {
  it('averages the weight on key 0 over rows, counting rows without key 0 as 0', () => {
    expect(sinkMass([0, 0, 1], [0, 5, 3], [0.7, 0.3, 0.9])).toBeCloseTo(0.35, 12);
    expect(sinkMass([], [], [])).toBe(0);
  });
});

describe('answerLogprob', () => {
  it('gives mean and sum, and zeros for no tokens', () => {
    expect(answerLogprob([-0.5, -1.5])).toEqual({ mean: -1, sum: -2, n: 2 });
    expect(answerLogprob([])).toEqual({ mean: 0, sum: 0, n: 0 });
  });
});
