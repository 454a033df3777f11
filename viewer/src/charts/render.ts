import * as Plot from '@observablehq/plot';
import { FONT_FAMILY, INK, MUTED } from './theme.ts';
import type { ChartSpec, ColorScale, Legend, Raster, RenderEnv } from './types.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Layout of a composed chart: title band, plot, legend band (all heights in user units). */
/** Splits text into lines that fit `width` at font size `fs` (DejaVu Sans ≈ 0.6 em per character). */
export function wrapText(content: string, width: number, fs: number): string[] {
  const perLine = Math.max(12, Math.floor(width / (fs * 0.6)));
  const lines: string[] = [];
  let line = '';
  for (const word of content.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** What the title, subtitle and legend heights depend on. */
type HeaderParts = Pick<ChartSpec, 'size' | 'subtitle' | 'legend'>;

const subtitleLines = (spec: HeaderParts): string[] =>
  spec.subtitle === undefined ? [] : wrapText(spec.subtitle, spec.size.width, spec.size.fontSize * 0.95);

export function chartLayout(spec: HeaderParts): { titleH: number; legendH: number; plotH: number } {
  const fs = spec.size.fontSize;
  const titleH = fs * 1.9 + subtitleLines(spec).length * fs * 1.25;
  const legendH =
    spec.legend === undefined
      ? 0
      : spec.legend.kind === 'ramp'
        ? fs * 4.6
        : fs * 0.6 + fs * 1.5 * swatchPlaces(spec.legend.items, spec.size.width, fs).lines;
  return { titleH, legendH, plotH: Math.max(40, spec.size.height - titleH - legendH) };
}

/** Margins of the plot frame; charts with a raster must set all four. */
export function frameOf(spec: ChartSpec, plotH: number) {
  const p = spec.plot;
  const m = [p.marginTop, p.marginRight, p.marginBottom, p.marginLeft];
  if (m.some((v) => typeof v !== 'number'))
    throw new Error(`chart ${spec.id}: a raster chart must set all four margins`);
  const [top, right, bottom, left] = m as number[];
  return { left: left!, top: top!, width: spec.size.width - left! - right!, height: plotH - top! - bottom! };
}

function text(doc: Document, x: number, y: number, content: string, attrs: Record<string, string | number>): Element {
  const t = doc.createElementNS(SVG_NS, 'text');
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y));
  for (const [k, v] of Object.entries(attrs)) t.setAttribute(k, String(v));
  t.textContent = content;
  return t;
}

const plotStyle = (fontSize: number) => ({ fontFamily: FONT_FAMILY, fontSize: `${fontSize}px`, overflow: 'visible' });

/** Plot colour options of a shared scale. */
export function colorOptions(scale: ColorScale): Plot.ScaleOptions {
  return {
    type: scale.type,
    scheme: scale.scheme as Plot.ColorScheme,
    domain: scale.domain,
    ...(scale.type === 'diverging' ? { pivot: scale.pivot ?? 0, symmetric: true } : {}),
    clamp: true,
  };
}

/** Tick labels for legends and log axes: plain numbers, never SI prefixes ("1m"). */
export const tickNumber = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  const text = a >= 1000 || a < 0.01 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(2)));
  // A typographic minus, as in the axes Plot draws.
  return text.replace(/^-/, '\u2212');
};

function rampLegend(doc: Document, scale: ColorScale, width: number, fs: number): Element {
  const [lo, hi] = scale.domain;
  const n = 96;
  const at = (t: number) => (scale.type === 'log' ? lo * (hi / lo) ** t : lo + (hi - lo) * t);
  const steps = Array.from({ length: n }, (_, i) => ({ x1: at(i / n), x2: at((i + 1) / n), v: at((i + 0.5) / n) }));
  const w = Math.min(width, Math.max(160, fs * 24));
  const g = doc.createElementNS(SVG_NS, 'g');
  g.appendChild(text(doc, fs * 0.8, fs * 1.0, scale.label, { 'font-size': fs, fill: INK }));
  const ramp = Plot.plot({
    document: doc,
    width: w,
    height: fs * 3.1,
    marginTop: 0,
    marginBottom: fs * 2.1,
    // Room for the first and last tick labels (e.g. "−0.06") centred on the ramp's ends.
    marginLeft: fs * 1.8,
    marginRight: fs * 1.8,
    style: plotStyle(fs),
    x: {
      type: scale.type === 'log' ? 'log' : 'linear',
      domain: [lo, hi],
      label: null,
      ticks: scale.type === 'log' ? undefined : 5,
      tickSize: 3,
      tickFormat: tickNumber,
    },
    y: { axis: null, domain: [0, 1] },
    color: colorOptions(scale),
    marks: [Plot.rect(steps, { x1: 'x1', x2: 'x2', y1: 0, y2: 1, fill: 'v' })],
  }) as unknown as Element;
  ramp.setAttribute('y', String(fs * 1.3));
  g.appendChild(ramp);
  return g;
}

type Swatch = Extract<Legend, { kind: 'swatches' }>['items'][number];

/** Where each swatch goes, wrapping onto new lines at the chart width (DejaVu Sans ≈ 0.62 em per character). */
function swatchPlaces(items: readonly Swatch[], width: number, fs: number): { at: [number, number][]; lines: number } {
  const at: [number, number][] = [];
  let x = fs * 0.5;
  let line = 0;
  for (const item of items) {
    const w = fs * 2.6 + item.label.length * fs * 0.62;
    if (x > fs * 0.5 && x + w > width) {
      x = fs * 0.5;
      line += 1;
    }
    at.push([x, fs * 0.9 + line * fs * 1.5]);
    x += w + fs * 0.6;
  }
  return { at, lines: items.length === 0 ? 0 : line + 1 };
}

function swatchLegend(doc: Document, items: readonly Swatch[], width: number, fs: number): Element {
  const g = doc.createElementNS(SVG_NS, 'g');
  const { at } = swatchPlaces(items, width, fs);
  items.forEach((item, i) => {
    const [x, y] = at[i]!;
    if (item.shape === 'rect') {
      const r = doc.createElementNS(SVG_NS, 'rect');
      for (const [k, v] of Object.entries({ x, y: y - fs * 0.45, width: fs * 1.4, height: fs * 0.9, fill: item.color }))
        r.setAttribute(k, String(v));
      g.appendChild(r);
    } else {
      const l = doc.createElementNS(SVG_NS, 'line');
      for (const [k, v] of Object.entries({
        x1: x,
        x2: x + fs * 1.6,
        y1: y,
        y2: y,
        stroke: item.color,
        'stroke-width': 1.6,
      }))
        l.setAttribute(k, String(v));
      if (item.dash) l.setAttribute('stroke-dasharray', item.dash);
      g.appendChild(l);
    }
    g.appendChild(text(doc, x + fs * 2, y + fs * 0.33, item.label, { 'font-size': fs, fill: INK }));
  });
  return g;
}

/**
 * Repeats every raster pixel `kx` times across and every row `ky` times down (nearest neighbour),
 * so cells stay crisp where a viewer or PDF reader smooths images despite `image-rendering`.
 */
export function upscale(raster: Raster, kx: number, ky: number): Raster {
  if (kx <= 1 && ky <= 1) return raster;
  const [x, y] = [Math.max(1, kx), Math.max(1, ky)];
  const columns = raster.columns * x;
  const out = new Uint8ClampedArray(columns * raster.rows * y * 4);
  const row = new Uint8ClampedArray(columns * 4);
  for (let r = 0; r < raster.rows; r++) {
    for (let c = 0; c < raster.columns; c++) {
      const px = raster.rgba.subarray((r * raster.columns + c) * 4, (r * raster.columns + c) * 4 + 4);
      for (let j = 0; j < x; j++) row.set(px, (c * x + j) * 4);
    }
    for (let j = 0; j < y; j++) out.set(row, (r * y + j) * columns * 4);
  }
  return { columns, rows: raster.rows * y, rgba: out };
}

/**
 * Renders a chart description as one self-contained SVG element (title, plot, legend) with
 * `env.document` — the browser's document in the page, a linkedom document in Node.
 * Example: `renderChart(headGrid(data, size), nodeEnv()).outerHTML`.
 */
export function renderChart(spec: ChartSpec, env: RenderEnv): SVGSVGElement {
  const doc = env.document;
  const { width, fontSize: fs } = spec.size;
  const { titleH, legendH, plotH } = chartLayout(spec);
  const height = titleH + plotH + legendH;
  const root = doc.createElementNS(SVG_NS, 'svg') as SVGSVGElement;
  for (const [k, v] of Object.entries({
    xmlns: SVG_NS,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    'font-family': FONT_FAMILY,
    // Plot strokes axes with currentColor; naming it here keeps ticks in the PDF (svg-to-pdfkit has no default colour).
    color: INK,
  }))
    root.setAttribute(k, String(v));
  const bg = doc.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of Object.entries({ width, height, fill: 'white' })) bg.setAttribute(k, String(v));
  root.appendChild(bg);
  root.appendChild(text(doc, 0, fs * 1.15, spec.title, { 'font-size': fs * 1.15, 'font-weight': 'bold', fill: INK }));
  subtitleLines(spec).forEach((line, i) =>
    root.appendChild(text(doc, 0, fs * 2.5 + i * fs * 1.25, line, { 'font-size': fs * 0.95, fill: MUTED })),
  );
  const marks = [...spec.plot.marks];
  if (spec.raster !== undefined) {
    const frame = frameOf(spec, plotH);
    marks.unshift(
      Plot.image([0], {
        frameAnchor: 'middle',
        width: frame.width,
        height: frame.height,
        src: env.rasterUrl(
          upscale(
            spec.raster,
            Math.ceil((env.rasterDensity * frame.width) / spec.raster.columns),
            Math.ceil((env.rasterDensity * frame.height) / spec.raster.rows),
          ),
        ),
        preserveAspectRatio: 'none',
        imageRendering: env.imageRendering,
      }),
    );
  }
  const plot = Plot.plot({
    ...spec.plot,
    marks,
    document: doc,
    width,
    height: plotH,
    style: plotStyle(fs),
  }) as unknown as Element;
  plot.setAttribute('y', String(titleH));
  root.appendChild(plot);
  if (spec.legend !== undefined) {
    const legend =
      spec.legend.kind === 'ramp'
        ? rampLegend(doc, spec.legend.scale, width, fs)
        : swatchLegend(doc, spec.legend.items, width, fs);
    legend.setAttribute('transform', `translate(0,${titleH + plotH})`);
    root.appendChild(legend);
  }
  const desc = doc.createElementNS(SVG_NS, 'desc');
  desc.textContent = spec.description;
  root.insertBefore(desc, root.firstChild);
  return root;
}
