import { describe, expect, it } from 'vitest';
import {
  expertUsage,
  mostChangedLayers,
  probesIn,
  topExperts,
  usageAt,
} from '../../../viewer/src/data/routing-experts.ts';
import { topExpertFigure } from '../../../viewer/src/data/routing-top-experts.ts';
import { changeTable, expertGrid, expertsTable } from './routing-fixtures.ts';

const models = { base: 'base', tuned: 'tuned' };

describe('expertUsage', () => {
  // 2 layers × 3 experts; tuned puts 0.6 on expert (layer + 1) in family "a".
  const cols = expertGrid(['base', 'tuned', 'other'], ['all', 'a'], 2, 3, (m, f, l, e) =>
    m === 'tuned' && f === 'a' ? (e === l + 1 ? 0.6 : 0.2) : m === 'other' ? 0.9 : [0.5, 0.25, 0.25][e]!,
  );

  it('expertUsage() fills row-major layer × expert matrices of the family, base and tuned', () => {
    const u = expertUsage(cols, { family: 'a', measure: 'frequency', models });
    expect([u.nLayers, u.nExperts]).toEqual([2, 3]);
    expect(Array.from(u.base)).toEqual([0.5, 0.25, 0.25, 0.5, 0.25, 0.25]);
    expect(Array.from(u.tuned).map((v) => Math.round(v * 100) / 100)).toEqual([0.2, 0.6, 0.2, 0.2, 0.2, 0.6]);
  });

  it('expertUsage() Δ is tuned − base cell by cell', () => {
    const u = expertUsage(cols, { family: 'a', measure: 'frequency', models });
    expect(usageAt(u, 1, 2).delta).toBeCloseTo(0.6 - 0.25, 6);
    expect(usageAt(u, 0, 0).delta).toBeCloseTo(0.2 - 0.5, 6);
    expect(Array.from(u.delta).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
  });

  it('expertUsage() reads the asked measure column and ignores other models and families', () => {
    const gate = expertUsage(cols, { family: 'a', measure: 'gate_usage', models });
    expect(usageAt(gate, 0, 0).base).toBeCloseTo(1.0, 6); // fixture: gate = 2 × frequency
    const top1 = expertUsage(cols, { family: 'all', measure: 'top1_frequency', models });
    expect(usageAt(top1, 1, 1).tuned).toBeCloseTo(0.125, 6);
    expect(Array.from(gate.tuned).every((v) => Math.abs(v - 1.8) > 1e-3)).toBe(true); // model "other" is not read
  });

  it('expertUsage() leaves NaN where the run has no row (never a silent 0)', () => {
    const sparse = expertsTable([
      { model: 'base', family: 'a', layer: 0, expert: 0, frequency: 1, rank: 0 },
      { model: 'tuned', family: 'a', layer: 1, expert: 1, frequency: 1, rank: 0 },
    ]);
    const u = expertUsage(sparse, { family: 'a', measure: 'frequency', models, nProbes: 7 });
    expect(usageAt(u, 0, 0)).toEqual({ base: 1, tuned: NaN, delta: NaN });
    expect(Number.isNaN(usageAt(u, 1, 0).base)).toBe(true);
    expect(u.nProbes).toBe(7);
  });
});

describe('topExperts', () => {
  // Frequencies of one layer: experts 1 and 2 tie at 0.3 (rank 1 goes to the lower id), 4 is never used.
  const freq = [0.1, 0.3, 0.3, 0.3 - 0.05, 0];
  const cols = expertGrid(['base', 'tuned'], ['f'], 1, 5, (m, _f, _l, e) => (m === 'tuned' ? freq[e]! : 0.2));

  it('topExperts() keeps rank < n, most used first, ties to the lower id as the table ranks them', () => {
    const top = topExperts(cols, { by: 'tuned', family: 'f', layer: 0, n: 3, models });
    expect(top.map((e) => e.expert)).toEqual([1, 2, 3]);
    expect(top.map((e) => e.rank)).toEqual([0, 1, 2]);
    expect(top[0]!.tuned).toBeCloseTo(0.3, 6);
    expect(top[0]!.base).toBeCloseTo(0.2, 6);
  });

  it('topExperts() never lists a never-used expert (rank -1), even when n exceeds the used ones', () => {
    const top = topExperts(cols, { by: 'tuned', family: 'f', layer: 0, n: 10, models });
    expect(top.map((e) => e.expert)).toEqual([1, 2, 3, 0]);
  });

  it('topExperts() follows the rank column, not a recomputation', () => {
    const handRanked = expertsTable([
      { model: 'tuned', family: 'f', layer: 0, expert: 0, frequency: 0.5, rank: 1 },
      { model: 'tuned', family: 'f', layer: 0, expert: 1, frequency: 0.5, rank: 0 },
    ]);
    expect(topExperts(handRanked, { by: 'tuned', family: 'f', layer: 0, n: 2, models }).map((e) => e.expert)).toEqual([
      1, 0,
    ]);
  });

  it('topExperts({ by: "base" }) ranks by the base model', () => {
    const baseRanked = expertGrid(['base', 'tuned'], ['f'], 1, 3, (m, _f, _l, e) =>
      m === 'base' ? [0.1, 0.2, 0.7][e]! : 1 / 3,
    );
    expect(topExperts(baseRanked, { by: 'base', family: 'f', layer: 0, n: 2, models }).map((e) => e.expert)).toEqual([
      2, 1,
    ]);
  });
});

describe('mostChangedLayers', () => {
  const change = changeTable([
    { family: 'f', layer: 0, measure: 'selections', js_bits: 0.9, rank_select: 3 },
    { family: 'f', layer: 1, measure: 'selections', js_bits: 0.2, rank_select: 0 },
    { family: 'f', layer: 2, measure: 'selections', js_bits: 0.5, rank_select: 2 },
    { family: 'f', layer: 3, measure: 'selections', js_bits: 0.4, rank_select: 1 },
    { family: 'f', layer: 1, measure: 'gate', js_bits: 0.1, rank_select: 3 },
    { family: 'f', layer: 0, measure: 'gate', js_bits: 0.8, rank_select: 0 },
    { family: 'g', layer: 0, measure: 'selections', js_bits: 0.3, rank_select: 0 },
  ]);

  it('mostChangedLayers() orders by the selection-half rank, not by the all-probe JS', () => {
    const layers = mostChangedLayers(change, { family: 'f' });
    expect(layers.map((c) => c.layer)).toEqual([1, 3, 2]);
    expect(layers[0]!.js.value).toBeCloseTo(0.2, 6);
    expect(layers[0]!.js.hi).toBeCloseTo(0.22, 6);
    expect(layers[0]!.n).toBe(8);
  });

  it('mostChangedLayers() reads the asked measure and count', () => {
    expect(mostChangedLayers(change, { family: 'f', measure: 'gate', count: 1 }).map((c) => c.layer)).toEqual([0]);
    expect(mostChangedLayers(change, { family: 'f', count: 10 }).map((c) => c.layer)).toEqual([1, 3, 2, 0]);
    expect(mostChangedLayers(change, { family: 'none' })).toEqual([]);
  });

  it('probesIn() gives the family count, every probe for "all", null for an unknown family', () => {
    const probes = { n: 12, by_family: { a: 5, b: 7 } };
    expect([probesIn(probes, 'a'), probesIn(probes, 'all'), probesIn(probes, 'c')]).toEqual([5, 12, null]);
  });
});

describe('topExpertFigure', () => {
  // Family "a" changed most in layer 2 then 0; family "b" in layer 1. Tuned favours expert (layer + family offset).
  const experts = expertGrid(['base', 'tuned'], ['all', 'a', 'b'], 3, 6, (m, f, l, e) =>
    m === 'tuned' && e === (l + (f === 'b' ? 3 : 0)) % 6 ? 0.5 : 0.1,
  );
  const change = changeTable([
    { family: 'a', layer: 2, measure: 'selections', js_bits: 0.6, rank_select: 0 },
    { family: 'a', layer: 0, measure: 'selections', js_bits: 0.5, rank_select: 1 },
    { family: 'a', layer: 1, measure: 'selections', js_bits: 0.1, rank_select: 2 },
    { family: 'b', layer: 1, measure: 'selections', js_bits: 0.7, rank_select: 0 },
    { family: 'b', layer: 0, measure: 'selections', js_bits: 0.2, rank_select: 1 },
    { family: 'b', layer: 2, measure: 'selections', js_bits: 0.1, rank_select: 2 },
  ]);

  it('topExpertFigure() gives every non-"all" family its most-changed layers, each with the tuned top-N', () => {
    const fig = topExpertFigure(experts, change, { models, n: 2, layers: 2, nProbes: { a: 4, b: 3 } });
    expect(fig.panels.map((p) => `${p.family}:${p.layer.layer}`)).toEqual(['a:2', 'a:0', 'b:1', 'b:0']);
    expect(fig.panels.map((p) => p.experts[0]!.expert)).toEqual([2, 0, 4, 3]);
    expect(fig.panels[0]!.experts[0]!.tuned).toBeCloseTo(0.5, 6);
    expect(fig.panels[0]!.experts[0]!.base).toBeCloseTo(0.1, 6);
    // ties at 0.1 behind the favourite: the lower id wins rank 1
    expect(fig.panels[0]!.experts[1]!.expert).toBe(0);
    expect([fig.nExperts, fig.n, fig.nProbes.b]).toEqual([6, 2, 3]);
  });

  it('topExpertFigure({ families }) keeps the asked families in the asked order', () => {
    const fig = topExpertFigure(experts, change, { models, n: 1, families: ['b', 'a'] });
    expect([...new Set(fig.panels.map((p) => p.family))]).toEqual(['b', 'a']);
    expect(fig.panels).toHaveLength(6);
  });
});
