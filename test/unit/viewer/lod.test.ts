import { describe, expect, it } from 'vitest';
import { attentionStripChart } from '../../../viewer/src/charts/attention-strip.ts';
import { columnEdges, columnOf, poolMass, poolMode, spanColumns } from '../../../viewer/src/data/lod.ts';

describe('columnEdges / columnOf', () => {
  it('columnEdges({0, 16384}, 500) tiles the window in 500 columns of 32 or 33 tokens', () => {
    const c = columnEdges({ start: 0, end: 16384 }, 500);
    expect(c.columns).toBe(500);
    expect(c.edges[0]).toBe(0);
    expect(c.edges[500]).toBe(16384);
    const widths = Array.from({ length: 500 }, (_, i) => c.edges[i + 1]! - c.edges[i]!);
    expect(new Set(widths)).toEqual(new Set([32, 33]));
  });

  it('a window shorter than the columns gets one column per token', () => {
    const c = columnEdges({ start: 100, end: 140 }, 500);
    expect(c.columns).toBe(40);
    expect(Array.from(c.edges.subarray(0, 3))).toEqual([100, 101, 102]);
  });

  it('columnOf finds the column of a position and −1 outside the window', () => {
    const c = columnEdges({ start: 0, end: 100 }, 10);
    expect([0, 9, 10, 99].map((p) => columnOf(c, p))).toEqual([0, 0, 1, 9]);
    expect(columnOf(c, 100)).toBe(-1);
    expect(columnOf(c, -1)).toBe(-1);
  });
});

describe('poolMass', () => {
  it('sums weights per column, so a single attended token keeps its whole weight when zoomed out', () => {
    const c = columnEdges({ start: 0, end: 16384 }, 256);
    const pooled = poolMass(c, [5, 7000, 7001, 16383], [0.1, 0.5, 0.2, 0.2]);
    expect(pooled[columnOf(c, 7000)]).toBeCloseTo(0.7, 6);
    expect(pooled[0]).toBeCloseTo(0.1, 6);
    expect(pooled.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('leaves out excluded positions (the sink) and keys outside the window', () => {
    const c = columnEdges({ start: 10, end: 20 }, 10);
    const pooled = poolMass(c, [0, 12, 25], [0.9, 0.05, 0.05], (p) => p === 0);
    expect(pooled.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 6);
  });
});

describe('spanColumns', () => {
  it('gives a one-token evidence span at 16k one whole column, never zero', () => {
    const c = columnEdges({ start: 0, end: 16384 }, 300);
    const s = spanColumns(c, 9000, 9001)!;
    expect(s.c1 - s.c0).toBe(1);
    expect(c.edges[s.c0]! <= 9000 && 9000 < c.edges[s.c1]!).toBe(true);
  });

  it('is null for spans outside the window or empty', () => {
    const c = columnEdges({ start: 100, end: 200 }, 50);
    expect(spanColumns(c, 0, 100)).toBeNull();
    expect(spanColumns(c, 200, 300)).toBeNull();
    expect(spanColumns(c, 150, 150)).toBeNull();
  });
});

describe('poolMode', () => {
  it('takes the most frequent category per column (ties → lower id) and the share that differs from the other grid', () => {
    // 1 row, 8 positions, 2 columns of 4 tokens.
    const c = columnEdges({ start: 0, end: 8 }, 2);
    const grid = Int16Array.from([3, 3, 1, 2, 5, 4, 4, 5]);
    const other = Int16Array.from([3, 0, 1, 2, 5, 5, 5, 5]);
    const { mode, differ } = poolMode(c, grid, 1, 8, 8, other);
    expect(Array.from(mode)).toEqual([3, 4]);
    expect(Array.from(differ)).toEqual([0.25, 0.5]);
  });

  it('skips missing tokens (−1) and marks an all-missing column −1', () => {
    const c = columnEdges({ start: 0, end: 4 }, 2);
    const { mode } = poolMode(c, Int16Array.from([-1, -1, 2, -1]), 1, 4, 4);
    expect(Array.from(mode)).toEqual([-1, 2]);
  });
});

describe('attentionStripChart level of detail', () => {
  it('zoomed out over 16k tokens, a one-token evidence span still has a band and its attention a bar', () => {
    const spec = attentionStripChart(
      {
        probeId: 'p',
        layer: 1,
        head: 0,
        querySet: 'answer',
        queryPositions: [16383],
        nTokens: 16384,
        window: { start: 0, end: 16384 },
        segments: [
          { kind: 'filler', label: null, start: 0, end: 9000 },
          { kind: 'evidence', label: 'needle', start: 9000, end: 9001 },
          { kind: 'filler', label: null, start: 9001, end: 16384 },
        ],
        models: [{ name: 'tuned', role: 'tuned', keys: [0, 9000], weights: [0.2, 0.8], rows: 1, keptMass: 1 }],
      },
      { width: 400, height: 150, fontSize: 8 },
    );
    type Band = { kind: string; x1: number; x2: number };
    const bands = (spec.plot.marks[0] as unknown as { data: Band[] }).data;
    const evidence = bands.find((b) => b.kind === 'evidence')!;
    expect(evidence.x2 - evidence.x1).toBeGreaterThanOrEqual(16384 / 400 - 1);
    const bars = (
      spec.plot.marks.find((m) => (m as { data?: { mass?: number }[] })?.data?.[0]?.mass !== undefined) as unknown as {
        data: { x1: number; x2: number; mass: number }[];
      }
    ).data;
    const onEvidence = bars.find((b) => b.x1 <= 9000 && 9000 < b.x2)!;
    expect(onEvidence.mass).toBeCloseTo(0.8, 6);
  });
});
