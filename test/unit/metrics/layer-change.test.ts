import { describe, expect, it } from 'vitest';
import { layerChange, type LayerAggregate } from '../../../analysis/metrics/run/routing-stats.ts';

const agg = (rows: number[][]): LayerAggregate => {
  const f = rows.map((r) => Float64Array.from(r));
  return { sel: f, gate: f, top1: f };
};

describe('layerChange', () => {
  it('gives per-family JS and, for "all", their mean — not the JS of pooled usage', () => {
    // Family 1 moves from expert 0 to 1, family 2 from expert 1 to 0: pooled usage is unchanged.
    const base = agg([
      [1, 1],
      [1, 0],
      [0, 1],
    ]);
    const tuned = agg([
      [1, 1],
      [0, 1],
      [1, 0],
    ]);
    const [all, f1, f2] = layerChange(base, tuned);
    expect(f1).toBeCloseTo(1, 12);
    expect(f2).toBeCloseTo(1, 12);
    expect(all).toBeCloseTo(1, 12);
  });

  it('averages only over families with tokens', () => {
    const base = agg([
      [1, 0],
      [1, 0],
      [0, 0],
    ]);
    const tuned = agg([
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
    const [all, f1, f2] = layerChange(base, tuned);
    expect([all, f1, f2]).toEqual([1, 1, 0]);
  });
});
