import type { Markish, PlotOptions } from '@observablehq/plot';

/** Outer size of a chart in SVG user units (CSS px on screen, pt in figures) and its base font size. */
export interface ChartSize {
  width: number;
  height: number;
  fontSize: number;
}

/** A continuous colour scale, as Plot takes it; charts and their legends share one. */
export interface ColorScale {
  type: 'linear' | 'log' | 'diverging' | 'sqrt';
  scheme: string;
  domain: [number, number];
  /** Centre of a diverging scale (default 0). */
  pivot?: number;
  /** Legend title, with units. */
  label: string;
}

export type Legend =
  | { kind: 'ramp'; scale: ColorScale }
  | { kind: 'swatches'; items: { label: string; color: string; dash?: string | null; shape?: 'line' | 'rect' }[] };

/** A pixel grid drawn over the whole plot frame (dense heatmaps and strips); rows top to bottom. */
export interface Raster {
  columns: number;
  rows: number;
  rgba: Uint8ClampedArray;
}

/**
 * One chart, fully described: data + size → drawing. The viewer renders it in the page and
 * `acc-lens figures` renders the same object in Node, so the two can never disagree.
 */
export interface ChartSpec {
  /** File-name stem for exports, e.g. `head-grid`. */
  id: string;
  title: string;
  subtitle?: string;
  size: ChartSize;
  /** Plot options without document/width/height; margins set explicitly when a raster is drawn. */
  plot: Omit<PlotOptions, 'document' | 'width' | 'height'> & { marks: Markish[] };
  /** Drawn under the marks, stretched over the frame (its extent is the x and y domains). */
  raster?: Raster;
  legend?: Legend;
  /** Plain-language statement of what is plotted, for captions and the page's aria label. */
  description: string;
}

/** What the renderer needs from its environment: a DOM document and a way to turn pixels into an image URL. */
export interface RenderEnv {
  document: Document;
  rasterUrl(raster: Raster): string;
  /** How the raster is scaled: browsers know `pixelated`, resvg `optimizeSpeed`; both mean nearest-neighbour. */
  imageRendering: 'pixelated' | 'optimizeSpeed';
  /**
   * Raster pixels per user unit the image should have at least (PDF readers interpolate coarser
   * images); 0 = the raster as it is (a browser scales it pixelated itself).
   */
  rasterDensity: number;
}

/** What clicking a mark selects; the page merges it into its selection (and the URL). */
export interface SelectionPatch {
  family?: string;
  querySet?: string;
  layer?: number;
  head?: number;
  expert?: number;
  probe?: string;
  position?: number;
}

/** Interaction hooks, used only by the page; figures ignore them. */
export interface ChartInteraction {
  /** For charts with Plot pointer marks: the datum under the pointer → what a click selects. */
  pick?: (datum: unknown) => SelectionPatch | null;
  /** For raster charts: frame-relative position (0..1, 0..1) → tooltip text and what a click selects. */
  locate?: (fx: number, fy: number) => { text: string; pick?: SelectionPatch } | null;
}
