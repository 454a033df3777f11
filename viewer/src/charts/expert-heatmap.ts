import * as Plot from '@observablehq/plot';
import { rgb } from 'd3-color';
import { usageAt, type ExpertUsage, type UsageMeasure } from '../data/routing-experts.ts';
import { niceEvery, num } from './format.ts';
import { deltaScale } from './head-grid.ts';
import { chartLayout, colorOptions } from './render.ts';
import { INK, SEQUENTIAL_SCHEME } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, ColorScale, Raster } from './types.ts';

export interface ExpertHeatmapOptions {
  /** `pair`: base above tuned on one sequential scale; `delta`: tuned − base, diverging around 0. */
  panel: 'pair' | 'delta';
  scale?: 'linear' | 'sqrt';
  /** Layers to outline in every panel (planted, selected), each with a short label at the right. */
  marked?: { layer: number; label: string }[];
  /** `auto` draws a raster above RASTER_CELLS cells per panel, Plot cells below. */
  render?: 'auto' | 'raster' | 'cells';
}

/** Above this many layer × expert cells per panel the heatmap is one raster (48 × 128 at Qwen3-30B-A3B). */
export const RASTER_CELLS = 1024;

/** Δ cells at or above this share of the scale's half-range carry a + / − glyph (when cells are drawn). */
export const SIGN_SHARE = 0.25;
const SIGN_NOTE = '; + / − where |Δ| ≥ ¼ of the scale';

export const USAGE_LABELS: Record<UsageMeasure, string> = {
  frequency: 'selection frequency (share of top-k picks)',
  gate_usage: 'gate usage (gate weight per token)',
  top1_frequency: 'top-1 frequency (share of tokens)',
};

/** A colour scale as a pixel painter, through Plot's own scale so raster and legend agree exactly. */
export function rgbaOf(scale: ColorScale): (v: number) => [number, number, number, number] {
  const s = Plot.scale({ color: colorOptions(scale) });
  // Many cells share a colour string: parse each one once.
  const parsed = new Map<string, [number, number, number, number]>();
  return (v) => {
    if (!Number.isFinite(v)) return [0, 0, 0, 0];
    const css = String(s.apply(v));
    let px = parsed.get(css);
    if (px === undefined) {
      const c = rgb(css);
      parsed.set(css, (px = [Math.round(c.r), Math.round(c.g), Math.round(c.b), 255]));
    }
    return px;
  };
}

/**
 * Vertical geometry in y units (1 unit = one layer row): panel p starts at p·(L + gap). The gap is
 * sized in points for the panel label, then quantised to whole raster rows so pixels meet cells.
 */
export function heatmapRows(nLayers: number, panels: number, frameH: number, gapPt: number) {
  const k = Math.max(1, Math.ceil(96 / (nLayers * panels)));
  const gapUnits = panels > 1 ? (gapPt * panels * nLayers) / Math.max(1, frameH - gapPt * (panels - 1)) : 0;
  const gapRows = Math.round(gapUnits * k);
  const step = nLayers + gapRows / k;
  return { k, gapRows, step, total: step * (panels - 1) + nLayers, rows: (nLayers * k + gapRows) * panels - gapRows };
}

type Datum = { panel: string; layer: number; expert: number; value: number; y0: number };

/**
 * Layer × expert heatmap of one family's expert usage: base above tuned on a shared sequential
 * scale, or tuned − base on a symmetric diverging scale; a raster when the grid is large (hover
 * through `locate`), Plot cells with pointer tips when small; marked layers outlined.
 */
export function expertHeatmapChart(
  u: ExpertUsage,
  size: ChartSize,
  o: ExpertHeatmapOptions,
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { nLayers: L, nExperts: E, models } = u;
  const isDelta = o.panel === 'delta';
  const panels = isDelta
    ? [{ name: 'Δ', values: u.delta }]
    : [
        { name: models.base, values: u.base },
        { name: models.tuned, values: u.tuned },
      ];
  const label = USAGE_LABELS[u.measure];
  const color: ColorScale = isDelta
    ? deltaScale(Array.from(u.delta), `Δ ${label.split(' (')[0]}, tuned − base`)
    : {
        type: o.scale ?? 'linear',
        scheme: SEQUENTIAL_SCHEME,
        domain: [0, Math.max(1e-9, ...[...u.base, ...u.tuned].filter(Number.isFinite))],
        label,
      };
  const marked = o.marked ?? [];
  const longest = Math.max(0, ...marked.map((m) => m.label.length));
  const margin = {
    top: isDelta ? fs * 0.6 : fs * 1.5,
    right: fs * 0.6 + (longest > 0 ? fs * (0.9 + longest * 0.53) : 0),
    bottom: fs * 3.2,
    left: fs * 4,
  };
  const n = u.nProbes === null ? '' : ` · n = ${u.nProbes} probes`;
  const head = {
    id: isDelta ? 'expert-heatmap-delta' : 'expert-heatmap',
    title: isDelta ? `Δ expert ${label.split(' (')[0]} per layer` : `Expert ${label.split(' (')[0]} per layer`,
    subtitle: `${u.family}${n} · ${isDelta ? `${models.tuned} − ${models.base}, centred at 0${SIGN_NOTE}` : `${models.base} (top) | ${models.tuned} (bottom), one scale`}`,
    size,
    legend: { kind: 'ramp' as const, scale: color },
  };
  const frameH = chartLayout(head).plotH - margin.top - margin.bottom;
  const frameW = size.width - margin.left - margin.right;
  const g = heatmapRows(L, panels.length, frameH, fs * 1.5);
  const raster = o.render === 'raster' || ((o.render ?? 'auto') === 'auto' && L * E > RASTER_CELLS);
  // A raster chart needs no per-cell data: hover goes through locate().
  const data: Datum[] = raster
    ? []
    : panels.flatMap((p, pi) =>
        Array.from({ length: L * E }, (_, k) => ({
          panel: p.name,
          layer: Math.floor(k / E),
          expert: k % E,
          value: p.values[k]!,
          y0: pi * g.step + Math.floor(k / E),
        })),
      );
  const cellText = (panel: string, layer: number, expert: number) => {
    const c = usageAt(u, layer, expert);
    const own = panel === 'Δ' ? `Δ ${num(c.delta)}` : `${panel} ${num(panel === models.base ? c.base : c.tuned)}`;
    return `L${layer} E${expert} · ${u.family}\n${own}\n${models.base} ${num(c.base)} · ${models.tuned} ${num(c.tuned)} · Δ ${num(c.delta)}`;
  };
  const layerTicks = niceEvery(L, Math.max(2, Math.floor(frameH / panels.length / (fs * 1.3))));
  const yTicks = panels.flatMap((_, pi) =>
    Array.from({ length: L }, (_, l) => l)
      .filter((l) => layerTicks(l) !== '')
      .map((l) => pi * g.step + l + 0.5),
  );
  const expertTicks = niceEvery(E, Math.max(2, Math.floor(frameW / (fs * 2.4))));
  const markedRows = panels.flatMap((_, pi) =>
    marked.filter((m) => m.layer < L).map((m) => ({ ...m, y0: pi * g.step + m.layer })),
  );
  // A box around a row thinner than a few strokes would hide the row; those get a margin pointer instead.
  const sw = Math.max(0.8, fs / 9);
  const boxed = frameH / g.total >= fs * 0.9;
  // Diverging colours lose their sign in greyscale; cells big enough to hold a glyph say it in text.
  const span = isDelta && color.domain[1];
  const signs =
    isDelta && !raster && frameW / E >= fs * 0.9 && boxed
      ? data.filter((d) => Math.abs(d.value) >= SIGN_SHARE * (span as number))
      : [];
  const marks: Plot.Markish[] = [
    ...(raster
      ? []
      : [
          Plot.rect(data, {
            x1: 'expert',
            x2: (d: Datum) => d.expert + 1,
            y1: 'y0',
            y2: (d: Datum) => d.y0 + 1,
            fill: 'value',
            inset: -0.15, // overlap neighbours so anti-aliasing leaves no hairline seams
          }),
        ]),
    Plot.text(signs, {
      x: (d: Datum) => d.expert + 0.5,
      y: (d: Datum) => d.y0 + 0.5,
      text: (d: Datum) => (d.value > 0 ? '+' : '−'),
      fill: (d: Datum) => (Math.abs(d.value) >= 0.6 * (span as number) ? 'white' : INK),
      fontSize: fs,
    }),
    ...(boxed
      ? [
          Plot.rect(markedRows, {
            x1: 0,
            x2: E,
            y1: 'y0',
            y2: (d: { y0: number }) => d.y0 + 1,
            stroke: INK,
            strokeWidth: sw,
            fill: 'none',
            inset: -sw / 2,
          }),
        ]
      : []),
    Plot.text(markedRows, {
      x: E,
      y: (d: { y0: number }) => d.y0 + 0.5,
      text: (d: { label: string }) => (boxed ? d.label : `◂ ${d.label}`),
      textAnchor: 'start',
      dx: boxed ? fs * 0.4 : fs * 0.1,
      fontSize: fs * 0.85,
      fill: INK,
    }),
    ...(isDelta
      ? []
      : [
          Plot.text(panels, {
            x: 0,
            y: (_: unknown, i: number) => i * g.step,
            text: 'name',
            textAnchor: 'start',
            lineAnchor: 'bottom',
            dy: -fs * 0.3,
            fontSize: fs,
            fill: INK,
          }),
        ]),
    ...(raster
      ? []
      : [
          Plot.tip(
            data,
            Plot.pointer({
              x: (d: Datum) => d.expert + 0.5,
              y: (d: Datum) => d.y0 + 0.5,
              title: (d: Datum) => cellText(d.panel, d.layer, d.expert),
              fontSize: fs,
            }),
          ),
        ]),
  ];
  const spec: ChartSpec & ChartInteraction = {
    ...head,
    // Laid out with the note; dropping it where no glyph is drawn can only shorten the subtitle.
    subtitle: signs.length > 0 || !isDelta ? head.subtitle : head.subtitle.replace(SIGN_NOTE, ''),
    description: `Heatmap of ${label} for every layer (rows) and expert (columns), ${isDelta ? 'tuned minus base' : 'base above tuned'}, family ${u.family}${n}.`,
    plot: {
      marginTop: margin.top,
      marginRight: margin.right,
      marginBottom: margin.bottom,
      marginLeft: margin.left,
      x: {
        domain: [0, E],
        label: 'expert',
        labelArrow: 'none',
        labelAnchor: 'center',
        labelOffset: fs * 2.9,
        ticks: Array.from({ length: E }, (_, e) => e)
          .filter((e) => expertTicks(e) !== '')
          .map((e) => e + 0.5),
        tickFormat: (v: number) => String(Math.floor(v)),
        tickSize: 2,
      },
      y: {
        domain: [0, g.total],
        reverse: true,
        label: 'layer',
        labelArrow: 'none',
        labelAnchor: 'center',
        labelOffset: fs * 3.6,
        ticks: yTicks,
        tickFormat: (v: number) => String(Math.floor(v % g.step)),
        tickSize: 2,
      },
      color: colorOptions(color),
      marks,
    },
    pick: (datum) => {
      const d = datum as Datum | null;
      return d === null ? null : { family: u.family, layer: d.layer, expert: d.expert };
    },
    locate: (fx, fy) => {
      const y = fy * g.total;
      const pi = Math.floor(y / g.step);
      const l = Math.floor(y - pi * g.step);
      const e = Math.floor(fx * E);
      const p = panels[pi];
      if (p === undefined || l < 0 || l >= L || e < 0 || e >= E) return null;
      return { text: cellText(p.name, l, e), pick: { family: u.family, layer: l, expert: e } };
    },
  };
  if (raster) spec.raster = paint(panels, L, E, g, rgbaOf(color));
  return spec;
}

/** Raster rows top to bottom: each panel's layers (k pixel rows each), transparent gap rows between panels. */
function paint(
  panels: { values: Float64Array }[],
  L: number,
  E: number,
  g: ReturnType<typeof heatmapRows>,
  rgba: (v: number) => [number, number, number, number],
): Raster {
  const out = new Uint8ClampedArray(E * g.rows * 4);
  panels.forEach((p, pi) => {
    const row0 = pi * (L * g.k + g.gapRows);
    for (let l = 0; l < L; l++) {
      for (let e = 0; e < E; e++) {
        const c = rgba(p.values[l * E + e]!);
        for (let r = 0; r < g.k; r++) out.set(c, ((row0 + l * g.k + r) * E + e) * 4);
      }
    }
  });
  return { columns: E, rows: g.rows, rgba: out };
}
