import * as Plot from '@observablehq/plot';
import type { LayerLift } from '../data/attention-layers.ts';
import { estText, metricLabel, pText } from './format.ts';
import { MODEL_STYLE } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec } from './types.ts';

export interface LiftPanel {
  family: string;
  layers: LayerLift[];
}

interface Point {
  family: string;
  model: string;
  role: 'base' | 'tuned';
  layer: number;
  value: number;
  lo: number;
  hi: number;
  row: LayerLift;
}

/**
 * An attention metric per layer (head mean) with bootstrap CIs, base vs tuned, one panel per
 * family; base and tuned are offset sideways so their intervals never hide each other.
 */
export function liftLayersChart(
  panels: LiftPanel[],
  size: ChartSize,
  o: { metric: string; querySet: string; models?: { base: string; tuned: string }; nProbes?: Record<string, number> },
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const models = o.models ?? { base: 'base', tuned: 'tuned' };
  const points: Point[] = panels.flatMap((p) =>
    p.layers.flatMap((row) =>
      (['base', 'tuned'] as const).map((role) => ({
        family: p.family,
        model: models[role],
        role,
        layer: row.layer + (role === 'base' ? -0.15 : 0.15),
        value: row[role].value,
        lo: row[role].lo,
        hi: row[role].hi,
        row,
      })),
    ),
  );
  const families = panels.map((p) => p.family);
  const nLayers = Math.max(1, ...panels.flatMap((p) => p.layers.map((l) => l.layer + 1)));
  const label = metricLabel(o.metric);
  const ofRole = (role: 'base' | 'tuned') => points.filter((p) => p.role === role);
  const n = o.nProbes === undefined ? '' : ` n = ${families.map((f) => o.nProbes![f] ?? '?').join('/')} probes;`;
  return {
    id: 'lift-layers',
    title: `${label[0]!.toUpperCase()}${label.slice(1)} per layer`,
    subtitle: `Mean over heads, ${o.querySet} tokens;${n} bars: 95% bootstrap CIs over probes`,
    size,
    description: `${label} per layer for base and tuned with confidence intervals, per family.`,
    plot: {
      marginLeft: fs * 5,
      marginRight: fs * 1,
      marginTop: fs * 1.4,
      marginBottom: fs * 3.2,
      fy: { domain: families, label: null, axis: null, padding: 0.16 },
      x: {
        label: 'layer',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 2.8,
        domain: [-0.6, nLayers - 0.4],
        ticks: Array.from({ length: Math.min(nLayers, 13) }, (_, i) =>
          Math.round((i * (nLayers - 1)) / Math.max(1, Math.min(nLayers, 13) - 1)),
        ),
        tickFormat: 'd',
        tickSize: 3,
      },
      y: {
        label,
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 4.4,
        grid: true,
        nice: true,
        zero: o.metric.endsWith('_mass'),
      },
      marks: [
        o.metric.endsWith('_lift') ? Plot.ruleY([1], { stroke: '#999', strokeDasharray: '2,2' }) : null,
        ...(['base', 'tuned'] as const).flatMap((role) => [
          Plot.ruleX(ofRole(role), {
            x: 'layer',
            y1: 'lo',
            y2: 'hi',
            fy: 'family',
            stroke: MODEL_STYLE[role].color,
            strokeWidth: 1.2,
          }),
          Plot.line(ofRole(role), {
            x: 'layer',
            y: 'value',
            fy: 'family',
            stroke: MODEL_STYLE[role].color,
            strokeWidth: 1,
            strokeDasharray: MODEL_STYLE[role].dash ?? undefined,
          }),
          Plot.dot(ofRole(role), {
            x: 'layer',
            y: 'value',
            fy: 'family',
            fill: MODEL_STYLE[role].color,
            symbol: MODEL_STYLE[role].symbol,
            r: fs * 0.3,
          }),
        ]),
        Plot.text(
          families.map((f) => ({ family: f })),
          {
            fy: 'family',
            text: 'family',
            frameAnchor: 'top-left',
            dx: fs * 0.3,
            dy: -fs * 1.1,
            fontWeight: 'bold',
            fontSize: fs * 0.9,
          },
        ),
        Plot.tip(
          points,
          Plot.pointer({
            x: 'layer',
            y: 'value',
            fy: 'family',
            fontSize: fs,
            title: (p: Point) =>
              `${p.family} · L${p.row.layer}\n${models.base} ${estText(p.row.base)}\n${models.tuned} ${estText(p.row.tuned)}\nΔ ${estText(p.row.delta)}, ${pText(p.row.p)}, n = ${p.row.n}`,
          }),
        ),
      ],
    },
    legend: {
      kind: 'swatches',
      items: (['base', 'tuned'] as const).map((role) => ({
        label: models[role],
        color: MODEL_STYLE[role].color,
        dash: MODEL_STYLE[role].dash,
      })),
    },
    pick: (datum) => {
      const p = datum as Point | null;
      return p === null ? null : { layer: p.row.layer, family: p.family };
    },
  };
}
