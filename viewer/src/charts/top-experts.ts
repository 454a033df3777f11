import * as Plot from '@observablehq/plot';
import type { TopExpertFigure } from '../data/routing-top-experts.ts';
import { num } from './format.ts';
import { USAGE_LABELS } from './expert-heatmap.ts';
import { INK, MODEL_STYLE, MUTED } from './theme.ts';
import { chartLayout } from './render.ts';
import type { ChartInteraction, ChartSize, ChartSpec, Legend } from './types.ts';

export interface TopExpertsOptions {
  /** How the layers were chosen, for the subtitle: the summary's `settings.select_on`. */
  selectOn?: 'half' | 'none';
}

/** One expert of one panel: `slot` is its place in the tuned ranking (0 = most used by tuned). */
type Point = {
  family: string;
  column: number;
  layer: number;
  slot: number;
  expert: number;
  base: number;
  tuned: number;
};

const ORDINAL = ['most', '2nd most', '3rd most', '4th most', '5th most'];
const nth = (k: number) => (k === 2 ? '2nd' : k === 3 ? '3rd' : `${k}th`);

function samples(nProbes: Record<string, number | null>): string {
  const counts = [...new Set(Object.values(nProbes))];
  if (counts.length === 1 && counts[0] !== null) return `n = ${counts[0]} probes per family`;
  const known = Object.entries(nProbes).filter(([, v]) => v !== null);
  return known.length === 0 ? 'n unknown' : `n = ${known.map(([f, v]) => `${v} (${f})`).join(', ')} probes`;
}

/**
 * The ACC paper's expert figure: per family (rows) and its most-changed layers (columns), the
 * top-N experts in the order of the tuned model's frequency, base (dashed, circles) and tuned
 * (solid, triangles) frequency of the same experts; expert ids under the points, uniform 1/E dotted.
 */
export function topExpertsChart(
  d: TopExpertFigure,
  size: ChartSize,
  o: TopExpertsOptions = {},
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { base, tuned } = d.models;
  const families = [...new Set(d.panels.map((p) => p.family))];
  const columns = Math.max(1, ...d.panels.map((p) => p.layer.rankSelect + 1));
  const points: Point[] = d.panels.flatMap((p) =>
    p.experts.map((e, slot) => ({
      family: p.family,
      column: p.layer.rankSelect,
      layer: p.layer.layer,
      slot,
      expert: e.expert,
      base: e.base,
      tuned: e.tuned,
    })),
  );
  const headers = d.panels.map((p) => ({
    family: p.family,
    column: p.layer.rankSelect,
    text: `L${p.layer.layer} · JS ${p.layer.js.value.toPrecision(2)}`,
  }));
  const top = Math.max(1e-9, ...points.flatMap((p) => [p.base, p.tuned]).filter(Number.isFinite));
  const margin = { top: fs * 1.3, right: fs * 1.6, bottom: fs * 3.4, left: fs * 5.4 };
  const rowGap = fs * 3.2;
  const legend: Legend = {
    kind: 'swatches',
    items: [
      { label: base, color: MODEL_STYLE.base.color, dash: MODEL_STYLE.base.dash },
      { label: tuned, color: MODEL_STYLE.tuned.color, dash: null },
      { label: `uniform 1/${d.nExperts}`, color: MUTED, dash: '1,2' },
    ],
  };
  const label = USAGE_LABELS[d.measure];
  const short = label.split(' (')[0]!;
  const chosen = o.selectOn === 'none' ? 'on all probes (post hoc)' : 'on the selection half';
  const subtitle = `${short} of the ${tuned} model's top-${d.n} experts in its most-changed layers (JS in bits, ranked ${chosen}); ${samples(d.nProbes)}`;
  const frameH = chartLayout({ subtitle, size, legend }).plotH - margin.top - margin.bottom;
  const frameW = size.width - margin.left - margin.right;
  const slotPt = frameW / columns / Math.max(1, d.n);
  const rotateIds = slotPt < fs * 1.9;
  // Rotated ids need about one line height each; thinner slots show every k-th id (all are in the tooltip).
  const idEvery = rotateIds ? Math.max(1, Math.ceil((fs * 0.95) / slotPt)) : 1;
  const r = Math.min(fs * 0.3, slotPt * 0.42);
  const styled = (role: 'base' | 'tuned') => ({
    x: 'slot',
    y: role,
    fx: 'column',
    fy: 'family',
    stroke: MODEL_STYLE[role].color,
  });
  return {
    id: 'top-experts',
    title: `Top-${d.n} experts of the most-changed layers`,
    subtitle,
    size,
    description: `For each task family and its ${columns} most-changed routing layers (Jensen–Shannon divergence of selections, ranked ${chosen}), the ${label} of the ${d.n} experts the ${tuned} model selects most, for ${base} and ${tuned}. The dotted line is the uniform share 1/${d.nExperts}.`,
    plot: {
      marginTop: margin.top,
      marginRight: margin.right,
      marginBottom: margin.bottom,
      marginLeft: margin.left,
      fx: { axis: null, domain: Array.from({ length: columns }, (_, i) => i), padding: 0.08 },
      fy: {
        axis: 'right',
        label: null,
        tickRotate: 90,
        tickSize: 0,
        domain: families,
        paddingInner: (rowGap * families.length) / Math.max(1, frameH + rowGap),
        paddingOuter: 0,
      },
      x: {
        domain: [-0.6, Math.max(1, d.n) - 0.4],
        ticks: [],
        label: `expert (in ${tuned} rank order${idEvery > 1 ? `; every ${nth(idEvery)} id shown` : ''})`,
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 3,
      },
      y: {
        domain: [0, top * 1.12],
        label: `${short} (share)`,
        labelAnchor: 'center',
        labelOffset: fs * 4.4,
        labelArrow: 'none',
        ticks: 3,
        tickSize: 2,
        grid: true,
      },
      marks: [
        Plot.ruleY([1 / Math.max(1, d.nExperts)], { stroke: MUTED, strokeDasharray: '1,2', strokeWidth: 0.8 }),
        Plot.line(points, {
          ...styled('base'),
          z: (p: Point) => `${p.family}/${p.column}`,
          strokeDasharray: MODEL_STYLE.base.dash,
          strokeWidth: 1.2,
        }),
        Plot.line(points, { ...styled('tuned'), z: (p: Point) => `${p.family}/${p.column}`, strokeWidth: 1.4 }),
        Plot.dot(points, { ...styled('base'), symbol: MODEL_STYLE.base.symbol, r, fill: 'white' }),
        Plot.dot(points, {
          ...styled('tuned'),
          symbol: MODEL_STYLE.tuned.symbol,
          r: r * 1.07,
          fill: MODEL_STYLE.tuned.color,
        }),
        Plot.text(
          points.filter((p) => p.slot % idEvery === 0),
          {
            x: 'slot',
            y: 0,
            fx: 'column',
            fy: 'family',
            text: (p: Point) => String(p.expert),
            fontSize: fs * 0.75,
            fill: INK,
            ...(rotateIds ? { rotate: -90, textAnchor: 'end', dy: fs * 0.3 } : { lineAnchor: 'top', dy: fs * 0.35 }),
          },
        ),
        Plot.text(headers, {
          fx: 'column',
          fy: 'family',
          frameAnchor: 'top',
          text: 'text',
          lineAnchor: 'bottom',
          dy: -fs * 0.2,
          fontSize: fs * 0.85,
          fill: INK,
        }),
        Plot.tip(
          points,
          Plot.pointer({
            x: 'slot',
            y: 'tuned',
            fx: 'column',
            fy: 'family',
            fontSize: fs,
            title: (p: Point) =>
              `${p.family} · layer ${p.layer} · expert ${p.expert} (${tuned} rank ${p.slot})\n${ORDINAL[p.column] ?? `#${p.column + 1}`} changed layer\n${base} ${num(p.base)} · ${tuned} ${num(p.tuned)} · Δ ${num(p.tuned - p.base)}`,
          }),
        ),
      ],
    },
    legend,
    pick: (datum) => {
      const p = datum as Point | null;
      return p === null ? null : { family: p.family, layer: p.layer, expert: p.expert };
    },
  };
}
