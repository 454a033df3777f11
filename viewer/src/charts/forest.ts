import * as Plot from '@observablehq/plot';
import type { Est } from '../data/comparison.ts';
import { estText, pText } from './format.ts';
import { INK, MUTED } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, SelectionPatch } from './types.ts';

/** One estimate with its interval, as a row of a forest plot. */
export interface ForestRow {
  group: string;
  label: string;
  est: Est;
  p?: number;
  n?: number;
  /** What clicking the row selects (e.g. a layer and head). */
  pick?: SelectionPatch;
}

/**
 * A forest plot: one row per estimate (dot + 95% interval), grouped, with p and n printed at the
 * right — the overview's headline numbers.
 */
export function forestChart(
  rows: ForestRow[],
  size: ChartSize,
  o: { id: string; title: string; subtitle: string; xLabel: string; reference?: number },
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const keyed = rows.map((r, i) => ({ ...r, key: `${i}`, y: `${r.group} · ${r.label}` }));
  const longest = Math.max(8, ...keyed.map((r) => r.y.length));
  const noteW = fs * 11;
  return {
    id: o.id,
    title: o.title,
    subtitle: o.subtitle,
    size,
    description: `${o.title}: estimates with 95% intervals.`,
    plot: {
      marginLeft: Math.min(size.width * 0.42, fs * 0.62 * longest + fs),
      marginRight: noteW,
      marginTop: fs * 0.6,
      marginBottom: fs * 3,
      y: { domain: keyed.map((r) => r.y), label: null, tickSize: 0 },
      x: { label: o.xLabel, labelAnchor: 'center', labelArrow: 'none', labelOffset: fs * 2.6, grid: true, nice: true },
      marks: [
        o.reference === undefined ? null : Plot.ruleX([o.reference], { stroke: MUTED, strokeDasharray: '3,2' }),
        Plot.ruleY(keyed, {
          y: 'y',
          x1: (r: ForestRow) => r.est.lo,
          x2: (r: ForestRow) => r.est.hi,
          stroke: INK,
          strokeWidth: 1.4,
        }),
        Plot.dot(keyed, { y: 'y', x: (r: ForestRow) => r.est.value, fill: INK, r: fs * 0.32 }),
        Plot.text(keyed, {
          y: 'y',
          frameAnchor: 'right',
          dx: noteW - fs * 0.4,
          textAnchor: 'end',
          fontSize: fs * 0.85,
          fill: MUTED,
          text: (r: ForestRow) =>
            [r.p === undefined ? '' : pText(r.p), r.n === undefined ? '' : `n = ${r.n}`].filter(Boolean).join(', '),
        }),
        Plot.tip(
          keyed,
          Plot.pointerY({
            y: 'y',
            x: (r: ForestRow) => r.est.value,
            fontSize: fs,
            title: (r: ForestRow) => `${r.group} · ${r.label}\n${estText(r.est)}`,
          }),
        ),
      ],
    },
    pick: (datum) => (datum as ForestRow | null)?.pick ?? null,
  };
}
