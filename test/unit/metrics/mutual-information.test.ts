import { describe, expect, it } from 'vitest';
import { contingency, mutualInformationBits } from '../../../analysis/metrics/mutual-information.ts';

describe('mutualInformationBits', () => {
  it('is 1 bit for a perfect 2 × 2 dependence', () => {
    expect(
      mutualInformationBits([
        [5, 0],
        [0, 5],
      ]),
    ).toBeCloseTo(1, 12);
  });
  it('is log2(5) when five labels map one-to-one to disjoint columns', () => {
    const t = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 15 }, (_, j) => (Math.floor(j / 3) === i ? 4 : 0)),
    );
    expect(mutualInformationBits(t)).toBeCloseTo(Math.log2(5), 12);
  });
  it('is 0 for independent variables (product table)', () => {
    expect(
      mutualInformationBits([
        [2, 6],
        [1, 3],
      ]),
    ).toBeCloseTo(0, 12);
  });
  it('matches a hand-worked value: [[3,1],[1,3]] → 1 − H(0.25) bits', () => {
    const h = -(0.25 * Math.log2(0.25) + 0.75 * Math.log2(0.75));
    expect(
      mutualInformationBits([
        [3, 1],
        [1, 3],
      ]),
    ).toBeCloseTo(1 - h, 12);
  });
  it('gives 0, not NaN, for empty tables, zero rows and a single column', () => {
    expect(mutualInformationBits([])).toBe(0);
    expect(
      mutualInformationBits([
        [0, 0],
        [0, 0],
      ]),
    ).toBe(0);
    expect(mutualInformationBits([[4], [7]])).toBe(0);
  });
});

describe('contingency', () => {
  it('counts paired labels', () => {
    expect(contingency([0, 0, 1, 1, 1], [1, 1, 0, 1, 0], 2, 2)).toEqual([
      [0, 2],
      [2, 1],
    ]);
  });
});
