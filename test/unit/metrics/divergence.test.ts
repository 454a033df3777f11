import { describe, expect, it } from 'vitest';
import { entropyBits, jsDivergenceBits } from '../../../analysis/metrics/divergence.ts';
import { distanceEntropyBits, localMass } from '../../../analysis/metrics/distance-profile.ts';
import { loadBalance } from '../../../analysis/metrics/load-balance.ts';
import { mutualInformationFlat, mutualInformationBits } from '../../../analysis/metrics/mutual-information.ts';

describe('entropyBits', () => {
  it('is log2(n) for a uniform row and 0 for a one-hot row', () => {
    expect(entropyBits([1, 1, 1, 1])).toBeCloseTo(2, 12);
    expect(entropyBits([0, 0, 7, 0])).toBe(0);
  });
  it('normalises counts and gives 0, not NaN, for empty and all-zero rows', () => {
    expect(entropyBits([2, 2])).toBeCloseTo(1, 12);
    expect(entropyBits([])).toBe(0);
    expect(entropyBits([0, 0, 0])).toBe(0);
  });
});

describe('jsDivergenceBits', () => {
  it('is 1 bit for disjoint one-hot rows and 0 for equal rows', () => {
    expect(jsDivergenceBits([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jsDivergenceBits([0.3, 0.7], [3, 7])).toBeCloseTo(0, 12);
  });
  it('matches a hand-worked value: P = (1, 0), Q = (½, ½) → H(¾,¼) − ½ bits', () => {
    const h = -(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25));
    expect(jsDivergenceBits([1, 0], [0.5, 0.5])).toBeCloseTo(h - 0.5, 12);
  });
  it('is symmetric, and 0 (not NaN) when a side has no mass', () => {
    expect(jsDivergenceBits([0.2, 0.8], [0.6, 0.4])).toBeCloseTo(jsDivergenceBits([0.6, 0.4], [0.2, 0.8]), 14);
    expect(jsDivergenceBits([0, 0], [1, 0])).toBe(0);
    expect(() => jsDivergenceBits([1], [1, 0])).toThrow(/lengths/);
  });
});

describe('distance profile metrics', () => {
  it('localMass sums bins 0..7 (distance < 14)', () => {
    const profile = new Array(32).fill(0);
    profile[0] = 0.25;
    profile[7] = 0.25;
    profile[8] = 0.5;
    expect(localMass(profile)).toBeCloseTo(0.5, 12);
  });
  it('distanceEntropyBits is 5 bits for equal mass in all 32 bins and 0 on one bin or none', () => {
    expect(distanceEntropyBits(new Array(32).fill(1 / 32))).toBeCloseTo(5, 12);
    expect(distanceEntropyBits([1, ...new Array(31).fill(0)])).toBe(0);
    expect(distanceEntropyBits(new Array(32).fill(0))).toBe(0);
  });
});

describe('loadBalance', () => {
  it('is 1 for equal loads, 1/E for one expert, 0 with no data', () => {
    expect(loadBalance([3, 3, 3, 3])).toBeCloseTo(1, 12);
    expect(loadBalance([5, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(loadBalance([0, 0])).toBe(0);
    expect(loadBalance([9])).toBe(1);
  });
});

describe('mutualInformationFlat', () => {
  it('equals mutualInformationBits on the same table (log2 5 for five disjoint expert subsets)', () => {
    const t = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 15 }, (_, j) => (Math.floor(j / 3) === i ? 4 : 0)),
    );
    expect(mutualInformationFlat(Float64Array.from(t.flat()), 5, 15)).toBeCloseTo(Math.log2(5), 12);
    expect(mutualInformationFlat(Float64Array.of(3, 1, 1, 3), 2, 2)).toBeCloseTo(
      mutualInformationBits([
        [3, 1],
        [1, 3],
      ]),
      14,
    );
  });
  it('is 0 for a single expert, independent tables and empty tables', () => {
    expect(mutualInformationFlat(Float64Array.of(4, 9), 2, 1)).toBe(0);
    expect(mutualInformationFlat(Float64Array.of(2, 6, 1, 3), 2, 2)).toBeCloseTo(0, 12);
    expect(mutualInformationFlat(new Float64Array(0), 0, 0)).toBe(0);
  });
});
