import { describe, expect, it } from 'vitest';
import { pearson, ranks, spearman } from '../../../analysis/metrics/correlation.ts';
import { expertSelectivity } from '../../../analysis/metrics/expert-selectivity.ts';
import { expertUsage } from '../../../analysis/metrics/expert-usage.ts';
import { routingAgreement } from '../../../analysis/metrics/routing-agreement.ts';
import { routingGrid } from '../../../analysis/metrics/routing-grid.ts';
import { defaultTopN, jaccard, topN } from '../../../analysis/metrics/top-experts.ts';

// Two tokens, top-2, one layer: token 0 → experts 3 (0.6), 5 (0.4); token 1 → 5 (0.9), 1 (0.1).
const rows = {
  layer: [0, 0, 0, 0],
  position: [0, 0, 1, 1],
  rank: [0, 1, 0, 1],
  expert: [3, 5, 5, 1],
  gate: [0.6, 0.4, 0.9, 0.1],
};

describe('routingGrid / expertUsage', () => {
  it('counts top-k selections, gate mass and rank-0 choices per expert', () => {
    const u = expertUsage(routingGrid(rows, [0]), 6);
    expect(Array.from(u.selections)).toEqual([0, 1, 0, 1, 0, 2]);
    expect(u.gateMass[5]).toBeCloseTo(1.3, 6);
    expect(Array.from(u.top1)).toEqual([0, 0, 0, 1, 0, 1]);
    expect(Array.from(u.tokens)).toEqual([2]);
  });
  it('restricts to masked positions and ignores layers it was not asked for', () => {
    expect(Array.from(expertUsage(routingGrid(rows, [0]), 6, [0, 1]).selections)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(Array.from(expertUsage(routingGrid(rows, [7]), 6).tokens)).toEqual([0]);
  });
  it('handles a single expert and no rows without NaN', () => {
    const one = expertUsage(routingGrid({ layer: [0], position: [0], rank: [0], expert: [0], gate: [1] }, [0]), 1);
    expect(Array.from(one.selections)).toEqual([1]);
    const none = expertUsage(routingGrid({ layer: [], position: [], rank: [], expert: [], gate: [] }, [0]), 4);
    expect(Array.from(none.tokens)).toEqual([0]);
  });
});

describe('routingAgreement', () => {
  it('is 1 (top-1 and Jaccard) for identical routing', () => {
    const g = routingGrid(rows, [0]);
    const a = routingAgreement(g, g, [1, 0]);
    expect([a.inside.top1[0], a.inside.jaccard[0], a.inside.tokens[0]]).toEqual([1, 1, 1]);
    expect([a.outside.top1[0], a.outside.jaccard[0], a.outside.tokens[0]]).toEqual([1, 1, 1]);
  });
  it('gives hand-known values for partly different routing', () => {
    // token 0: {3,5} vs {5,3} with rank-0 3 vs 5 → top-1 0, Jaccard 1; token 1: {5,1} vs {5,2} → top-1 1, Jaccard 1/3.
    const other = routingGrid({ ...rows, expert: [5, 3, 5, 2] }, [0]);
    const a = routingAgreement(routingGrid(rows, [0]), other, [0, 0]);
    expect(a.outside.top1[0]).toBe(1);
    expect(a.outside.jaccard[0]).toBeCloseTo(1 + 1 / 3, 12);
    expect(a.outside.tokens[0]).toBe(2);
  });
});

describe('expertSelectivity', () => {
  it('is 1 for an expert used by one family, 0 for equal use, 0 for unused experts or one family', () => {
    expect(
      Array.from(
        expertSelectivity(
          [
            [1, 0.5, 0],
            [0, 0.5, 0],
          ],
          3,
        ),
      ),
    ).toEqual([1, 0, 0]);
    expect(Array.from(expertSelectivity([[1, 1]], 2))).toEqual([0, 0]);
  });
});

describe('topN / jaccard / defaultTopN', () => {
  it('ranks by value with ties to the lower index and never lists unused experts', () => {
    expect(topN([0.1, 0.5, 0.5, 0], 3)).toEqual([1, 2, 0]);
    expect(topN([0, 0, 1], 3)).toEqual([2]);
  });
  it('jaccard: ½ for {1,2,3} vs {2,3,4}, 0 for two empty sets', () => {
    expect(jaccard([1, 2, 3], [2, 3, 4])).toBe(0.5);
    expect(jaccard([], [])).toBe(0);
  });
  it("defaultTopN keeps the paper's 20 of 128 share", () => {
    expect(defaultTopN(128)).toBe(20);
    expect(defaultTopN(16)).toBe(3);
    expect(defaultTopN(1)).toBe(1);
  });
});

describe('correlation', () => {
  it('pearson is ±1 on lines and 0 (not NaN) without variance', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
    expect(pearson([], [])).toBe(0);
  });
  it('weights act as multiplicities', () => {
    expect(pearson([1, 2, 3], [1, 2, 10], [1, 1, 0])).toBeCloseTo(1, 12);
  });
  it('spearman uses average ranks', () => {
    expect(Array.from(ranks([10, 20, 20]))).toEqual([1, 2.5, 2.5]);
    expect(spearman([1, 2, 3], [1, 4, 9])).toBeCloseTo(1, 12);
  });
});
