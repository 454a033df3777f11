import * as Plot from '@observablehq/plot';
import type { OverlapCell, RoutingOverlap } from '../data/routing-overlap.ts';
import { num } from './format.ts';
import { chartLayout, colorOptions } from './render.ts';
import { SEQUENTIAL_SCHEME } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, ColorScale } from './types.ts';

export interface OverlapOptions {
  /** Probes pooled into the top-N sets (summary `probes.n`), for the subtitle. */
  nProbes?: number | null;
}

const DIAGONAL = '#f2f2f2';

/** Widest cell side, in font sizes: with few panels the cells stay square instead of stretching. */
const MAX_CELL_FS = 3.4;
const PANEL_PADDING = 0.12;

/**
 * Family × family Jaccard overlap of the top-N experts on one fixed 0..1 scale, square cells, one
 * panel per layer and model side by side (L1 base | L1 tuned | L2 base | …); values printed in cells
 * big enough to hold them. The diagonal (a family with itself, 1 by definition) is grey, not data.
 * The chart sets its own height from the cell size (`size.height` is ignored).
 */
export function overlapChart(d: RoutingOverlap, size: ChartSize, o: OverlapOptions = {}): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { base, tuned } = d.models;
  const F = Math.max(1, d.families.length);
  const longest = Math.max(1, ...d.families.map((f) => f.length));
  const labelW = fs * 0.62 * longest + fs * 1.2;
  const panels = d.layers.flatMap((layer) => [base, tuned].map((model) => panelKey(layer, model)));
  const margin = { top: fs * 2.2, right: fs, bottom: labelW + fs * 0.6, left: labelW };
  const inner = size.width - margin.left - margin.right;
  // A band scale with inner padding p and no outer padding gives each of n panels W·(1 − p)/(n − p).
  const bands = (panels.length - PANEL_PADDING) / (1 - PANEL_PADDING);
  const cell = Math.min(inner / bands / F, fs * MAX_CELL_FS);
  // Narrower than the width when the cells hit their cap: the unused width goes to the right margin.
  margin.right += Math.max(0, inner - cell * F * bands);
  const color: ColorScale = {
    type: 'linear',
    scheme: SEQUENTIAL_SCHEME,
    domain: [0, 1],
    label: `Jaccard overlap of top-${d.topN} expert sets`,
  };
  const diagonal = [base, tuned].flatMap((model) =>
    d.layers.flatMap((layer) => d.families.map((f) => ({ model, layer, a: f, b: f, panel: panelKey(layer, model) }))),
  );
  const cells = d.cells
    .filter((c) => d.layers.includes(c.layer))
    .map((c) => ({ ...c, panel: panelKey(c.layer, c.model) }));
  const showValues = cell >= fs * 2.3;
  const n = o.nProbes === null || o.nProbes === undefined ? '' : `; n = ${o.nProbes} probes`;
  const facets = { fx: 'panel' } as const;
  const subtitle = `Jaccard of two families' top-${d.topN} experts by selection frequency; ${base} | ${tuned} per layer (${d.layers.map((l) => `L${l}`).join(', ')})${n}`;
  const legend = { kind: 'ramp', scale: color } as const;
  const plotH = margin.top + margin.bottom + cell * F;
  const { titleH, legendH } = chartLayout({ size, subtitle, legend });
  const height = titleH + plotH + legendH;
  return {
    id: 'overlap',
    title: `Top-${d.topN} expert overlap between tasks`,
    subtitle,
    size: { ...size, height },
    description: `For each pair of task families, the Jaccard overlap of their top-${d.topN} experts by selection frequency, for ${base} and ${tuned}, in layer${d.layers.length === 1 ? '' : 's'} ${d.layers.join(', ')}. 1 = the same experts, 0 = disjoint.`,
    plot: {
      marginTop: margin.top,
      marginRight: margin.right,
      marginBottom: margin.bottom,
      marginLeft: margin.left,
      padding: 0,
      fx: {
        domain: panels,
        label: null,
        paddingInner: PANEL_PADDING,
        paddingOuter: 0,
        round: false,
        axis: 'top',
        tickSize: 0,
      },
      x: { domain: d.families, label: null, tickRotate: -90, tickSize: 2, padding: 0, round: false },
      y: { domain: d.families, label: null, tickSize: 2, padding: 0, round: false },
      color: colorOptions(color),
      marks: [
        Plot.cell(diagonal, { x: 'b', y: 'a', ...facets, fill: DIAGONAL, inset: 0.5 }),
        Plot.cell(cells, { x: 'b', y: 'a', ...facets, fill: 'jaccard', inset: 0.5 }),
        ...(showValues
          ? [
              Plot.text(cells, {
                x: 'b',
                y: 'a',
                ...facets,
                text: (c: OverlapCell) => String(Number(c.jaccard.toFixed(2))),
                fill: (c: OverlapCell) => (c.jaccard > 0.6 ? 'black' : 'white'),
                fontSize: fs * 0.8,
              }),
            ]
          : []),
        Plot.tip(
          cells,
          Plot.pointer({
            x: 'b',
            y: 'a',
            ...facets,
            fontSize: fs,
            title: (c: OverlapCell) =>
              `${c.a} vs ${c.b} · layer ${c.layer} · ${c.model}\nJaccard ${num(c.jaccard)} (top-${d.topN})`,
          }),
        ),
      ],
    },
    legend,
    pick: (datum) => {
      const c = datum as OverlapCell | null;
      return c === null ? null : { layer: c.layer, family: c.a };
    },
  };
}

/** The facet of one layer and model, e.g. "L1 · tuned". */
const panelKey = (layer: number, model: string): string => `L${layer} · ${model}`;
