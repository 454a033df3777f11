import { describe, expect, it } from 'vitest';
import { distanceBin, distanceBinEdges, N_DISTANCE_BINS } from '../../../analysis/schema/distance-bins.ts';

describe('distanceBinEdges', () => {
  it('distanceBinEdges() gives 33 strictly increasing edges from 0 to 131073, bin 0 = distance 0', () => {
    const edges = distanceBinEdges();
    expect(edges.length).toBe(N_DISTANCE_BINS + 1);
    expect([edges[0], edges[1], edges[2]]).toEqual([0, 1, 2]);
    expect(edges[N_DISTANCE_BINS]).toBe(131_073);
    for (let i = 1; i < edges.length; i += 1) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
  });

  it('distanceBinEdges(n) spaces the upper bins logarithmically (ratios level off near (n+1)^(1/31))', () => {
    const edges = distanceBinEdges(131_072);
    const ratio = 131_073 ** (1 / 31);
    for (let i = 20; i < 32; i += 1) expect(edges[i + 1]! / edges[i]!).toBeCloseTo(ratio, 1);
  });

  it('distanceBinEdges rejects a maxDistance too small for 32 distinct bins', () => {
    expect(() => distanceBinEdges(10)).toThrow(RangeError);
    expect(() => distanceBinEdges(1.5)).toThrow(RangeError);
    expect(distanceBinEdges(31)).toEqual(Int32Array.from({ length: 33 }, (_, i) => i));
  });

  it('distanceBin puts every edge into its own bin and clamps beyond the last edge', () => {
    const edges = distanceBinEdges();
    for (let bin = 0; bin < N_DISTANCE_BINS; bin += 1) {
      expect(distanceBin(edges[bin]!, edges)).toBe(bin);
      expect(distanceBin(edges[bin + 1]! - 1, edges)).toBe(bin);
    }
    expect(distanceBin(10_000_000, edges)).toBe(N_DISTANCE_BINS - 1);
  });
});
