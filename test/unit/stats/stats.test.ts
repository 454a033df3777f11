import { describe, expect, it } from 'vitest';
import { bootstrapPlan, bootstrapStatistic, interval, quantileSorted } from '../../../analysis/stats/bootstrap.ts';
import { bootstrapVector, swapPValues } from '../../../analysis/stats/bootstrap-vector.ts';
import { normalCdf, normalQuantile } from '../../../analysis/stats/normal.ts';
import { pairedMeans } from '../../../analysis/stats/paired-means.ts';
import { labelPermutationTest, pairedSwapPValue, permutationPValue } from '../../../analysis/stats/permutation.ts';
import { createRng } from '../../../analysis/stats/rng.ts';
import { selectionSplit } from '../../../analysis/stats/split.ts';

const opts = (seed = 1) => ({ alpha: 0.05, method: 'percentile' as const, permutations: 2000, rng: createRng(seed) });

describe('bootstrapPlan', () => {
  it("keeps each stratum's size in every resample and draws only included probes", () => {
    const plan = bootstrapPlan([0, 0, 0, 1, 1], [1, 1, 1, 1, 0], 200, createRng(3));
    for (let b = 0; b < 200; b++) {
      const w = plan.weights.subarray(b * 5, b * 5 + 5);
      expect(w[0]! + w[1]! + w[2]!).toBe(3);
      expect(w[3]).toBe(1);
      expect(w[4]).toBe(0);
    }
  });
  it('is deterministic for a seed', () => {
    expect(bootstrapPlan([0, 0, 1], null, 50, createRng(9)).weights).toEqual(
      bootstrapPlan([0, 0, 1], null, 50, createRng(9)).weights,
    );
  });
});

describe('pairedMeans', () => {
  const plan = bootstrapPlan(new Array(8).fill(0), null, 500, createRng(2));
  it('identical models give delta exactly 0 with CI [0, 0] and p = 1', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const e = pairedMeans(plan, x, x, null, opts());
    expect(e.delta).toEqual({ value: 0, lo: 0, hi: 0 });
    expect(e.pValue).toBe(1);
    expect(e.base.value).toBeCloseTo(4.5, 12);
    expect(e.base.lo).toBeLessThan(4.5);
  });
  it('a constant shift gives delta = shift with a zero-width CI and the exact minimum p (2 / 2^8)', () => {
    const b = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const t = b.map((v) => v + 2);
    const e = pairedMeans(plan, b, t, null, opts());
    expect(e.delta.value).toBeCloseTo(2, 12);
    expect(e.delta.lo).toBeCloseTo(2, 12);
    expect(e.delta.hi).toBeCloseTo(2, 12);
    expect(e.pValue).toBeCloseTo(2 / 256, 12);
  });
  it('no valid probe gives zeros, not NaN', () => {
    const e = pairedMeans(plan, new Float64Array(8), new Float64Array(8), new Uint8Array(8), opts());
    expect(e).toEqual({
      base: { value: 0, lo: 0, hi: 0 },
      tuned: { value: 0, lo: 0, hi: 0 },
      delta: { value: 0, lo: 0, hi: 0 },
      pValue: 1,
      nProbes: 0,
    });
  });
  it('the 95% percentile CI of a mean covers the true mean about 95% of the time', () => {
    const rng = createRng(11);
    let covered = 0;
    const trials = 200;
    for (let k = 0; k < trials; k++) {
      const b = Float64Array.from({ length: 30 }, () => rng.normal());
      const t = b.map((v) => v + 1 + rng.normal());
      const e = pairedMeans(bootstrapPlan(new Array(30).fill(0), null, 300, rng.fork(`p${k}`)), b, t, null, {
        ...opts(k),
        permutations: 10,
      });
      if (e.delta.lo <= 1 && 1 <= e.delta.hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });
});

describe('interval', () => {
  it('percentile quantiles by linear interpolation; BCa equals percentile for symmetric replicates', () => {
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    const reps = Array.from({ length: 1001 }, (_, i) => (i - 500) / 100);
    const p = interval(0, reps, 0.1, 'percentile');
    const bca = interval(0, reps, 0.1, 'bca', [-1, 0, 1]);
    expect(p.lo).toBeCloseTo(-4.5, 6);
    expect(bca.lo).toBeCloseTo(p.lo, 2);
    expect(bca.hi).toBeCloseTo(p.hi, 2);
  });
  it('drops null replicates and collapses to the estimate when none is left', () => {
    expect(interval(3, [null, null], 0.05, 'percentile')).toEqual({ value: 3, lo: 3, hi: 3 });
  });
  it('bootstrapStatistic with BCa gives a finite interval around the estimate', () => {
    const xs = Float64Array.from({ length: 20 }, (_, i) => Math.exp(i / 5));
    const plan = bootstrapPlan(new Array(20).fill(0), null, 400, createRng(4));
    const mean = (w: ArrayLike<number>) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < 20; i++) {
        s += w[i]! * xs[i]!;
        n += w[i]!;
      }
      return n > 0 ? s / n : null;
    };
    const e = bootstrapStatistic(plan, mean, { alpha: 0.05, method: 'bca' });
    expect(e.lo).toBeLessThan(e.value);
    expect(e.hi).toBeGreaterThan(e.value);
    expect(Number.isFinite(e.lo) && Number.isFinite(e.hi)).toBe(true);
  });
});

describe('bootstrapVector / swapPValues', () => {
  it('returns one interval per component and exact swap p-values', () => {
    const plan = bootstrapPlan([0, 0, 0, 0], null, 100, createRng(5));
    const d = [1, 1, 1, 1];
    const ci = bootstrapVector(plan, () => Float64Array.of(1, 2), { alpha: 0.05, method: 'percentile' });
    expect(ci).toEqual([
      { value: 1, lo: 1, hi: 1 },
      { value: 2, lo: 2, hi: 2 },
    ]);
    const p = swapPValues(Uint8Array.of(1, 1, 1, 1), 100, createRng(1), (s) =>
      Float64Array.of(
        d.reduce((a, x, i) => a + (s[i] ? -x : x), 0),
        0,
      ),
    );
    expect(p[0]).toBeCloseTo(2 / 16, 12);
    expect(p[1]).toBe(1);
  });
});

describe('permutation tests', () => {
  it('permutationPValue is add-one', () => {
    expect(permutationPValue(5, [1, 2, 3])).toBe(0.25);
    expect(permutationPValue(0, [0, 0, 0])).toBe(1);
  });
  it('pairedSwapPValue random path stays near the exact value', () => {
    const d = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    expect(
      pairedSwapPValue(20, 500, createRng(1), (s) => d.reduce((a, x, i) => a + (s[i] ? -x : x), 0)),
    ).toBeGreaterThan(0.5);
  });
  it('labelPermutationTest: perfect structure of 3 + 3 probes has p ≈ 2 / C(6, 3) = 0.1', () => {
    const counts = [
      [5, 0],
      [5, 0],
      [0, 5],
      [0, 5],
      [5, 0],
      [0, 5],
    ];
    const labels = [0, 0, 1, 1, 0, 1];
    const mi = (l: Int32Array) => {
      const t = [
        [0, 0],
        [0, 0],
      ];
      l.forEach((f, i) => {
        t[f]![0]! += counts[i]![0]!;
        t[f]![1]! += counts[i]![1]!;
      });
      const n = 30;
      let s = 0;
      for (const r of t)
        for (let j = 0; j < 2; j++) {
          const v = r[j]!;
          if (v > 0) s += (v / n) * Math.log2((v * n) / ((r[0]! + r[1]!) * (t[0]![j]! + t[1]![j]!)));
        }
      return s;
    };
    const r = labelPermutationTest(labels, 500, createRng(2), mi);
    expect(r.observed).toBeCloseTo(1, 12);
    expect(r.nullMean).toBeLessThan(0.5);
    expect(Math.abs(r.pValue - 0.1)).toBeLessThan(0.04);
  });
});

describe('selectionSplit', () => {
  it('halves every family (⌈n/2⌉ to select) and never puts a probe in both halves', () => {
    const s = selectionSplit([0, 0, 0, 0, 1, 1, 1, 2], 'half', 5);
    expect(Array.from(s.select).reduce((a, b) => a + b, 0)).toBe(2 + 2 + 1);
    for (let i = 0; i < 8; i++) expect(s.select[i]! + s.report[i]!).toBe(1);
    expect(selectionSplit([0, 0, 0, 0, 1, 1, 1, 2], 'half', 5)).toEqual(s);
  });
  it('none selects and reports on every probe', () => {
    const s = selectionSplit([0, 1], 'none', 0);
    expect(Array.from(s.select)).toEqual([1, 1]);
    expect(Array.from(s.report)).toEqual([1, 1]);
  });
});

describe('normal', () => {
  it('cdf and quantile are inverse and match known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalCdf(normalQuantile(0.1))).toBeCloseTo(0.1, 6);
    expect(Number.isFinite(normalQuantile(0)) && Number.isFinite(normalQuantile(1))).toBe(true);
  });
});
