import * as Plot from '@observablehq/plot';
import type { MiLayers, MiPoint } from '../data/routing-mi.ts';
import { niceEvery, num, pText } from './format.ts';
import { INK, MODEL_STYLE } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, Legend } from './types.ts';

export interface MiLayersOptions {
  /** Layers to shade (e.g. the summary's `mi_gain` layers with `selected`), with the legend's name for them. */
  marked?: { layers: number[]; label: string };
  /** The run's `settings.alpha`, to name the CI level. */
  alpha?: number;
}

type Datum = MiPoint & { model: string; role: 'base' | 'tuned'; x: number };

const MARK_FILL = '#ececec';
/** Null lines: dash-dot for base, dotted for tuned, so they stay apart in greyscale too. */
const NULL_DASH = { base: '3,1.5,0.8,1.5', tuned: '0.8,1.5' } as const;
/** Above this many layers, CIs are bands and points lose their markers. */
export const DENSE_LAYERS = 16;

/**
 * I(task; expert) per layer, base (dashed, circles) and tuned (solid, triangles), with bootstrap
 * CIs (error bars, or bands above DENSE_LAYERS layers) and each model's family-permutation null mean dotted; the ceiling log2(F) is
 * drawn when it falls inside the plotted range.
 */
export function miLayersChart(d: MiLayers, size: ChartSize, o: MiLayersOptions = {}): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { base, tuned } = d.models;
  // Many layers: CI bands and bare lines; few: error bars nudged apart so they never overlap, and markers.
  const dense = d.nLayers > DENSE_LAYERS;
  const dodge = dense ? 0 : 0.14;
  const data: Datum[] = [
    ...d.base.map((p) => ({ ...p, model: base, role: 'base' as const, x: p.layer - dodge })),
    ...d.tuned.map((p) => ({ ...p, model: tuned, role: 'tuned' as const, x: p.layer + dodge })),
  ];
  const top = Math.max(1e-6, ...data.flatMap((p) => [p.hi, p.value, p.nullMean]).filter(Number.isFinite)) * 1.1;
  const ceiling = d.nFamilies !== null && d.nFamilies > 1 ? Math.log2(d.nFamilies) : null;
  const showCeiling = ceiling !== null && ceiling <= top;
  const of = (role: 'base' | 'tuned') => data.filter((p) => p.role === role);
  const ci = o.alpha === undefined ? 'bootstrap CIs' : `${Math.round((1 - o.alpha) * 100)} % bootstrap CIs`;
  const perms = [...new Set(data.map((p) => p.nPermutations))].join('/');
  const n = d.nProbes === null ? '' : `n = ${d.nProbes} probes; `;
  const what = d.measure === 'selections' ? 'all top-k selections' : 'rank-0 experts only';
  const marked = o.marked?.layers.filter((l) => l < d.nLayers) ?? [];
  const legend: Legend = {
    kind: 'swatches',
    items: [
      { label: base, color: MODEL_STYLE.base.color, dash: MODEL_STYLE.base.dash },
      { label: tuned, color: MODEL_STYLE.tuned.color, dash: null },
      { label: `${base} null`, color: MODEL_STYLE.base.color, dash: NULL_DASH.base },
      { label: `${tuned} null`, color: MODEL_STYLE.tuned.color, dash: NULL_DASH.tuned },
      ...(marked.length > 0 ? [{ label: o.marked!.label, color: MARK_FILL, shape: 'rect' as const }] : []),
    ],
  };
  const line = (role: 'base' | 'tuned') =>
    Plot.line(of(role), {
      x: 'x',
      y: 'value',
      stroke: MODEL_STYLE[role].color,
      strokeDasharray: MODEL_STYLE[role].dash ?? undefined,
      strokeWidth: 1.4,
    });
  const ticks = niceEvery(d.nLayers, Math.floor((size.width - fs * 5) / (fs * 2.4)));
  return {
    id: `mi-layers${d.measure === 'top1' ? '-top1' : ''}`,
    title: 'I(task; expert) per layer',
    subtitle: `${what}; ${n}${ci}; null: ${perms} shuffles of family labels across probes`,
    size,
    description: `Mutual information between task family and expert choice (${what}) per layer for ${base} and ${tuned}, with ${ci} and, in each model's colour (dash-dot base, dotted tuned), the mean of its family-permutation null${showCeiling ? `; the dotted line at ${num(ceiling!)} bits is the maximum, log2 of ${d.nFamilies} families` : ''}.`,
    plot: {
      marginTop: fs * 1.6,
      marginRight: showCeiling ? fs * 4.8 : fs * 1,
      marginBottom: fs * 3.3,
      marginLeft: fs * 4,
      x: {
        domain: [-0.5, Math.max(0, d.nLayers - 1) + 0.5],
        ticks: Array.from({ length: d.nLayers }, (_, l) => l).filter((l) => ticks(l) !== ''),
        tickFormat: (v: number) => String(v),
        label: 'layer',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 2.9,
        tickSize: 2,
      },
      y: {
        domain: [0, top],
        label: 'I(task; expert) (bits)',
        labelArrow: 'none',
        grid: true,
        ticks: 4,
        tickSize: 2,
      },
      marks: [
        Plot.rect(marked, {
          x1: (l: number) => l - 0.42,
          x2: (l: number) => l + 0.42,
          y1: 0,
          y2: top,
          fill: MARK_FILL,
        }),
        ...(showCeiling
          ? [
              Plot.ruleY([ceiling], { stroke: INK, strokeDasharray: '1,2', strokeWidth: 0.8 }),
              Plot.text([ceiling], {
                y: (v: number) => v,
                frameAnchor: 'right',
                text: () => `max ${num(ceiling!)}`,
                textAnchor: 'start',
                dx: fs * 0.3,
                fontSize: fs * 0.8,
                fill: INK,
              }),
            ]
          : []),
        ...(['base', 'tuned'] as const).map((role) =>
          Plot.line(of(role), {
            x: 'layer',
            y: 'nullMean',
            stroke: MODEL_STYLE[role].color,
            strokeDasharray: NULL_DASH[role],
            strokeWidth: 1,
          }),
        ),
        dense
          ? Plot.areaY(data, {
              x: 'x',
              y1: 'lo',
              y2: 'hi',
              z: 'model',
              fill: (p: Datum) => MODEL_STYLE[p.role].color,
              fillOpacity: 0.22,
            })
          : Plot.ruleX(data, {
              x: 'x',
              y1: 'lo',
              y2: 'hi',
              stroke: (p: Datum) => MODEL_STYLE[p.role].color,
              strokeWidth: 1,
            }),
        line('base'),
        line('tuned'),
        ...(dense
          ? []
          : [
              Plot.dot(of('base'), {
                x: 'x',
                y: 'value',
                symbol: MODEL_STYLE.base.symbol,
                stroke: MODEL_STYLE.base.color,
                fill: 'white',
                r: fs * 0.3,
              }),
              Plot.dot(of('tuned'), {
                x: 'x',
                y: 'value',
                symbol: MODEL_STYLE.tuned.symbol,
                fill: MODEL_STYLE.tuned.color,
                r: fs * 0.32,
              }),
            ]),
        Plot.tip(
          data,
          Plot.pointer({
            x: 'x',
            y: 'value',
            fontSize: fs,
            title: (p: Datum) =>
              `layer ${p.layer} · ${p.model}\nI = ${num(p.value)} [${num(p.lo)}, ${num(p.hi)}] bits\nnull mean ${num(p.nullMean)} bits, ${pText(p.p)} (${p.nPermutations} permutations)`,
          }),
        ),
      ],
    },
    legend,
    pick: (datum) => {
      const p = datum as Datum | null;
      return p === null ? null : { layer: p.layer };
    },
  };
}
