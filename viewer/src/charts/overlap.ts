import * as Plot from '@observablehq/plot';
import type { OverlapCell, RoutingOverlap } from '../data/routing-overlap.ts';
import { num } from './format.ts';
import { colorOptions } from './render.ts';
import { SEQUENTIAL_SCHEME } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, ColorScale } from './types.ts';

export interface OverlapOptions {
  /** Probes pooled into the top-N sets (summary `probes.n`), for the subtitle. */
  nProbes?: number | null;
}

const DIAGONAL = '#f2f2f2';

/**
 * Family × family Jaccard overlap of the top-N experts, base | tuned (columns) for each layer
 * (rows), on one fixed 0..1 scale; values printed in cells big enough to hold them. The
 * diagonal (a family with itself, 1 by definition) is grey, not data.
 */
export function overlapChart(d: RoutingOverlap, size: ChartSize, o: OverlapOptions = {}): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { base, tuned } = d.models;
  const F = d.families.length;
  const longest = Math.max(1, ...d.families.map((f) => f.length));
  const labelW = fs * 0.66 * longest + fs * 1.2;
  const margin = { top: fs * 1.8, right: fs * 2.8, bottom: labelW + fs * 0.6, left: labelW };
  const color: ColorScale = {
    type: 'linear',
    scheme: SEQUENTIAL_SCHEME,
    domain: [0, 1],
    label: `Jaccard overlap of top-${d.topN} expert sets`,
  };
  const diagonal = [base, tuned].flatMap((model) =>
    d.layers.flatMap((layer) => d.families.map((f) => ({ model, layer, a: f, b: f }))),
  );
  const cells = d.cells.filter((c) => d.layers.includes(c.layer));
  const frameW = (size.width - margin.left - margin.right) / 2;
  const showValues = frameW / Math.max(1, F) >= fs * 2.3;
  const n = o.nProbes === null || o.nProbes === undefined ? '' : `; n = ${o.nProbes} probes`;
  const facets = { fx: 'model', fy: 'layer' } as const;
  return {
    id: 'overlap',
    title: `Top-${d.topN} expert overlap between tasks`,
    subtitle: `Jaccard of two families' top-${d.topN} experts by selection frequency; ${base} | ${tuned}; layer${d.layers.length === 1 ? '' : 's'} ${d.layers.join(', ')}${n}`,
    size,
    description: `For each pair of task families, the Jaccard overlap of their top-${d.topN} experts by selection frequency, for ${base} and ${tuned}, in layer${d.layers.length === 1 ? '' : 's'} ${d.layers.join(', ')}. 1 = the same experts, 0 = disjoint.`,
    plot: {
      marginTop: margin.top,
      marginRight: margin.right,
      marginBottom: margin.bottom,
      marginLeft: margin.left,
      padding: 0,
      fx: { domain: [base, tuned], label: null, padding: 0.08 },
      fy: {
        domain: d.layers,
        label: null,
        padding: 0.1,
        axis: d.layers.length > 1 ? 'right' : null,
        tickFormat: (l: number) => `L${l}`,
        tickSize: 0,
      },
      x: { domain: d.families, label: null, tickRotate: -90, tickSize: 2 },
      y: { domain: d.families, label: null, tickSize: 2 },
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
    legend: { kind: 'ramp', scale: color },
    pick: (datum) => {
      const c = datum as OverlapCell | null;
      return c === null ? null : { layer: c.layer, family: c.a };
    },
  };
}
