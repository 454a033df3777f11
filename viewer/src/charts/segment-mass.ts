import * as Plot from '@observablehq/plot';
import { num } from './format.ts';
import type { StripSegment } from './segments.ts';
import { MODEL_STYLE, type ModelRole } from './theme.ts';
import type { ChartSize, ChartSpec } from './types.ts';

export interface SegmentMassModel {
  name: string;
  role: ModelRole;
  /** Mass from the query segment onto each key segment index (−1 = outside every segment). */
  mass: Map<number, number>;
  nQueries: number;
}

/**
 * Where the query segment's attention goes, segment by segment (`attention_segments`): one bar
 * per key segment and model. Shows the whole row's mass, not only the kept top-k.
 */
export function segmentMassChart(
  d: {
    probeId: string;
    layer: number;
    head: number;
    querySegment: { index: number; kind: string };
    segments: StripSegment[];
    models: SegmentMassModel[];
  },
  size: ChartSize,
): ChartSpec {
  const fs = size.fontSize;
  const name = (i: number) =>
    i < 0
      ? 'outside segments'
      : `${i}: ${d.segments[i]?.kind ?? '?'}${d.segments[i]?.label ? ` ${d.segments[i]!.label}` : ''}`;
  const keys = [...new Set(d.models.flatMap((m) => [...m.mass.keys()]))].sort((a, b) => a - b);
  const rows = d.models.flatMap((m) =>
    keys.map((k) => ({ model: m.name, role: m.role, key: name(k), mass: m.mass.get(k) ?? 0 })),
  );
  return {
    id: 'segment-mass',
    title: `Attention mass per segment, L${d.layer}H${d.head} · ${d.probeId}`,
    subtitle: `mean over the ${d.querySegment.kind} segment's tokens (n = ${d.models[0]?.nQueries ?? 0}) of the mass on each segment; full rows, not top-k`,
    size,
    description: `Bar chart of attention mass from the ${d.querySegment.kind} tokens onto each segment of probe ${d.probeId}, per model.`,
    plot: {
      marginLeft: Math.min(size.width * 0.4, fs * 0.62 * Math.max(...keys.map((k) => name(k).length), 8) + fs),
      marginRight: fs,
      marginTop: fs * 0.5,
      marginBottom: fs * 3,
      fy: { domain: keys.map(name), label: null, tickSize: 0, padding: 0.15 },
      y: { domain: d.models.map((m) => m.name), axis: null, padding: 0.05 },
      x: {
        domain: [0, 1],
        label: 'attention mass (probability)',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 2.6,
        grid: true,
      },
      marks: [
        // One facet row per key segment, one bar per model in it (base above tuned).
        Plot.barX(rows, {
          fy: 'key',
          y: 'model',
          x: 'mass',
          fill: (r: { role: ModelRole }) => MODEL_STYLE[r.role].color,
        }),
        Plot.tip(
          rows,
          Plot.pointerY({
            fy: 'key',
            y: 'model',
            x: 'mass',
            fontSize: fs,
            title: (r: { model: string; key: string; mass: number }) => `${r.model} → ${r.key}: ${num(r.mass)}`,
          }),
        ),
      ],
    },
    legend: {
      kind: 'swatches',
      items: d.models.map((m) => ({ label: m.name, color: MODEL_STYLE[m.role].color, shape: 'rect' as const })),
    },
  };
}
