import * as Plot from '@observablehq/plot';
import type { DistanceProfile } from '../data/attention-layers.ts';
import { estText, num, pText } from './format.ts';
import { tickNumber } from './render.ts';
import { MODEL_STYLE } from './theme.ts';
import type { ChartSize, ChartSpec } from './types.ts';

export interface ProfilePanel {
  family: string;
  /** Position among the family's most-changed layers (0 = most changed). */
  slot: number;
  profile: DistanceProfile;
}

export interface DistanceProfileOptions {
  scale?: 'log' | 'linear';
  models?: { base: string; tuned: string };
  /** Probes behind each family's profile (for the subtitle). */
  nProbes?: Record<string, number>;
  /** How the layers were chosen, e.g. "3 most-changed layers, chosen on the selection half". */
  selection?: string;
}

interface Point {
  family: string;
  slot: number;
  model: string;
  bin: number;
  value: number;
  lo: number;
  hi: number;
  binLo: number;
  binHi: number;
}

/** Mass below this is drawn at the floor on the log scale (bins beyond the probe are empty). */
export const PROFILE_FLOOR = 1e-5;

/** Powers of ten spanning the values: clean log-axis ticks without the 2…9 minor ticks. */
export function decades(values: number[]): number[] {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return [1];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

const distanceLabel = (d: number): string => (d >= 1000 ? `${num(d / 1000)}k` : String(d));

/**
 * Attention distance profiles (the ACC paper's attention figure, with uncertainty): mass per
 * log-spaced distance bin, head-averaged, base vs tuned with bootstrap CI bands, one panel per
 * family × most-changed layer.
 */
export function distanceProfileChart(
  panels: ProfilePanel[],
  size: ChartSize,
  o: DistanceProfileOptions = {},
): ChartSpec {
  const fs = size.fontSize;
  const models = o.models ?? { base: 'base', tuned: 'tuned' };
  const log = (o.scale ?? 'log') === 'log';
  const floor = (v: number) => (log ? Math.max(PROFILE_FLOOR, v) : v);
  const points: Point[] = panels.flatMap((p) =>
    p.profile.bins.flatMap((b) =>
      (['base', 'tuned'] as const).map((role) => ({
        family: p.family,
        slot: p.slot,
        model: models[role],
        bin: b.bin,
        value: floor(b[role].value),
        lo: floor(b[role].lo),
        hi: floor(b[role].hi),
        binLo: b.binLo,
        binHi: b.binHi,
      })),
    ),
  );
  // Bins past the longest probe hold no keys in either model: trim them instead of drawing a cliff.
  const lastBin = Math.max(
    0,
    ...panels.flatMap((p) => p.profile.bins.filter((b) => b.base.value > 0 || b.tuned.value > 0).map((b) => b.bin)),
  );
  const shown = points.filter((p) => p.bin <= lastBin);
  const families = [...new Set(panels.map((p) => p.family))];
  const yTicks = decades(shown.flatMap((p) => [p.lo, p.hi, p.value]));
  const binEdges = new Map(points.map((p) => [p.bin, p.binLo]));
  // Families name the rows (right axis); panel labels stay short enough for narrow columns.
  const slots = Math.max(1, ...panels.map((p) => p.slot + 1));
  const panelW = (size.width - fs * 6) / slots;
  const nTicks = panelW > fs * 20 ? 5 : 3;

  const labels = panels.map((p) => ({
    family: p.family,
    slot: p.slot,
    text: `L${p.profile.layer}${p.profile.change === null ? '' : panelW > fs * 20 ? ` · JS ${num(p.profile.change.js)} bits` : ` · ${num(p.profile.change.js)}`}`,
  }));

  const byModel = (role: 'base' | 'tuned') => shown.filter((p) => p.model === models[role]);
  const facet = { fx: 'slot', fy: 'family' } as const;
  const qs = panels[0]?.profile.querySet ?? '';
  const n = o.nProbes === undefined ? '' : `; n = ${families.map((f) => `${o.nProbes![f] ?? '?'}`).join('/')} probes`;
  return {
    id: 'distance-profiles',
    title: 'Attention over distance, most-changed layers',
    subtitle: `Head-averaged mass per distance bin, ${qs} tokens; 95% bootstrap bands${n}; ${o.selection ?? 'layers ranked by base-vs-tuned JS divergence'}; panel labels: layer · JS (bits)`,
    size,
    description: `Attention mass by query–key distance (32 log-spaced bins) for base and tuned, per family and most-changed layer, with confidence bands.`,
    plot: {
      marginLeft: fs * 5,
      marginRight: families.length > 1 ? fs * 0.62 * Math.max(...families.map((f) => f.length)) + fs : fs,
      marginTop: fs * 1.6,
      marginBottom: fs * 3.4,
      fx: { label: null, axis: null, padding: 0.1 },
      fy: { label: null, domain: families, padding: 0.22, axis: families.length > 1 ? 'right' : null, tickSize: 0 },
      x: {
        label: 'query–key distance (tokens, log-spaced bins)',
        labelOffset: fs * 3,
        labelAnchor: 'center',
        labelArrow: 'none',
        domain: [0, lastBin],
        // Narrow panels keep tick labels off the panel edges, where neighbours' labels would collide.
        ticks:
          nTicks === 5
            ? [0, 1, 2, 3, 4].map((i) => Math.round((i * lastBin) / 4))
            : [0.12, 0.5, 0.88].map((t) => Math.round(t * lastBin)),

        tickFormat: (b: number) => distanceLabel(binEdges.get(b) ?? b),
        tickSize: 3,
      },
      y: {
        type: log ? 'log' : 'linear',
        label: 'attention mass per bin',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 4.4,
        grid: true,
        tickFormat: log ? tickNumber : undefined,
        ticks: log ? yTicks : 5,
        ...(log ? { domain: [yTicks[0]!, yTicks.at(-1)!] } : {}),
      },
      marks: [
        ...(['base', 'tuned'] as const).map((role) =>
          Plot.areaY(byModel(role), {
            x: 'bin',
            y1: 'lo',
            y2: 'hi',
            ...facet,
            fill: MODEL_STYLE[role].color,
            fillOpacity: 0.18,
            curve: 'step',
          }),
        ),
        ...(['base', 'tuned'] as const).map((role) =>
          Plot.lineY(byModel(role), {
            x: 'bin',
            y: 'value',
            ...facet,
            stroke: MODEL_STYLE[role].color,
            strokeWidth: 1.4,
            strokeDasharray: MODEL_STYLE[role].dash ?? undefined,
            curve: 'step',
          }),
        ),
        Plot.text(labels, {
          ...facet,
          text: 'text',
          frameAnchor: 'top-left',
          dx: fs * 0.3,
          dy: -fs * 1.1,
          fontSize: fs * 0.9,
          fontWeight: 'bold',
        }),
        Plot.tip(
          shown,
          Plot.pointerX({
            x: 'bin',
            y: 'value',
            ...facet,
            fontSize: fs,
            title: (p: Point) =>
              `${p.model} · distance ${p.binLo}–${p.binHi - 1}\nmass ${num(p.value)} [${num(p.lo)}, ${num(p.hi)}]`,
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
  };
}

/** Caption line for a profile's change score. */
export const changeText = (p: DistanceProfile): string =>
  p.change === null
    ? ''
    : `JS ${estText({ value: p.change.js, lo: p.change.lo, hi: p.change.hi })} bits, ${pText(p.change.p)}`;
