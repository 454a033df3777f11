import { describe, expect, it } from 'vitest';
import type { Qwen3MoeConfig } from '../../../models/config.ts';
import { applyRope, rmsNorm, ropeTables, softmax, topK } from '../../../models/qwen3-moe/oracle.ts';
import { TINY } from './tiny-model.ts';

describe('oracle building blocks', () => {
  it('rmsNorm([3, 4], gain [1, 2]) = x / sqrt(12.5 + eps) · gain', () => {
    const r = 1 / Math.sqrt(12.5 + 1e-6);
    const y = rmsNorm(Float32Array.of(3, 4), Float32Array.of(1, 2), 1e-6);
    expect(y[0]).toBeCloseTo(3 * r, 6);
    expect(y[1]).toBeCloseTo(8 * r, 6);
  });

  it('softmax sums to 1 and survives large logits', () => {
    const p = softmax([1000, 1000, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[0]).toBeCloseTo(p[1]!, 12);
  });

  it('topK orders largest first and breaks ties toward the lower index', () => {
    expect(topK([0.1, 0.3, 0.3, 0.2], 3)).toEqual([1, 2, 3]);
  });

  it('ropeTables: inv_freq_i = θ^(−2i/D), angle = position·inv_freq in float64', () => {
    const c: Qwen3MoeConfig = { ...TINY, head_dim: 4, rope_theta: 100, max_position_embeddings: 8 };
    const { cos, sin } = ropeTables(c);
    expect(cos[5 * 2 + 1]).toBeCloseTo(Math.fround(Math.cos(5 / 10)), 7); // i = 1: 100^(−1/2) = 0.1
    expect(sin[3 * 2 + 0]).toBeCloseTo(Math.fround(Math.sin(3)), 7);
  });

  it('applyRope rotates each (i, i + D/2) pair (rotate-half) and keeps the norm', () => {
    const c: Qwen3MoeConfig = { ...TINY, head_dim: 4, rope_theta: 100, max_position_embeddings: 8 };
    const { cos, sin } = ropeTables(c);
    const x = Float32Array.of(1, 0, 0, 2); // pairs (x0, x2) = (1, 0) and (x1, x3) = (0, 2)
    applyRope(x, cos, sin, 3);
    expect([x[0], x[2]].map((v) => v!.toFixed(5))).toEqual([Math.cos(3), Math.sin(3)].map((v) => v.toFixed(5)));
    expect([x[1], x[3]].map((v) => v!.toFixed(5))).toEqual(
      [-2 * Math.sin(0.3), 2 * Math.cos(0.3)].map((v) => v.toFixed(5)),
    );
  });
});
