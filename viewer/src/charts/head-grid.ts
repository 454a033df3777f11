import * as Plot from '@observablehq/plot';
import type { HeadCell, HeadGrid } from '../data/head-grid.ts';
import { colorOptions } from './render.ts';
import { estText, everyKth, metricLabel, num, pText } from './format.ts';
import { DIVERGING_SCHEME, INK, SEQUENTIAL_SCHEME } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, ColorScale } from './types.ts';

export interface HeadGridOptions {
  /** `pair`: base and tuned side by side on one scale; `delta`: tuned − base on a diverging scale. */
  panel: 'pair' | 'delta';
  scale?: 'linear' | 'log';
  /** Heads to outline (planted, selected), with a short label. */
  marked?: { layer: number; head: number; label: string }[];
  models?: { base: string; tuned: string };
}

type Cell = { model: string; layer: number; head: number; value: number; cell: HeadCell };

const LOG_FLOOR = 1e-3;

function pairData(grid: HeadGrid, models: { base: string; tuned: string }): Cell[] {
  return grid.cells.flatMap((c) =>
    c === null
      ? []
      : [
          { model: models.base, layer: c.layer, head: c.head, value: c.base.value, cell: c },
          { model: models.tuned, layer: c.layer, head: c.head, value: c.tuned.value, cell: c },
        ],
  );
}

function sequentialScale(values: number[], log: boolean, label: string): ColorScale {
  const finite = values.filter(Number.isFinite);
  const hi = Math.max(...finite, log ? LOG_FLOOR * 10 : 1e-9);
  const lo = log ? Math.max(hi / 1000, Math.min(...finite.filter((v) => v > 0), hi / 10)) : Math.min(0, ...finite);
  return { type: log ? 'log' : 'linear', scheme: SEQUENTIAL_SCHEME, domain: [lo, hi], label };
}

/** Δ scale: symmetric around 0 so equal colour means equal |Δ| on either side. */
export function deltaScale(values: number[], label: string): ColorScale {
  const m = Math.max(1e-9, ...values.filter(Number.isFinite).map(Math.abs));
  return { type: 'diverging', scheme: DIVERGING_SCHEME, domain: [-m, m], pivot: 0, label };
}

/**
 * Layer × head heatmap of one attention metric: base | tuned on a shared sequential scale, or
 * tuned − base on a diverging scale centred at 0 with marked heads outlined.
 */
export function headGridChart(grid: HeadGrid, size: ChartSize, o: HeadGridOptions): ChartSpec & ChartInteraction {
  const models = o.models ?? { base: 'base', tuned: 'tuned' };
  const fs = size.fontSize;
  const label = metricLabel(grid.metric);
  const log = o.scale === 'log';
  const isDelta = o.panel === 'delta';
  const data: Cell[] = isDelta
    ? grid.cells.flatMap((c) =>
        c === null ? [] : [{ model: 'Δ', layer: c.layer, head: c.head, value: c.delta.value, cell: c }],
      )
    : pairData(grid, models);
  const color = isDelta
    ? deltaScale(
        data.map((d) => d.value),
        `Δ ${label}, tuned − base`,
      )
    : sequentialScale(
        data.map((d) => d.value),
        log,
        label,
      );
  const fill = log && !isDelta ? (d: Cell) => Math.max(d.value, color.domain[0]) : 'value';
  const tip = (d: Cell) =>
    isDelta
      ? `L${d.layer}H${d.head}\nΔ ${estText(d.cell.delta)}\n${pText(d.cell.p)}, n = ${d.cell.n}\nbase ${estText(d.cell.base)}\ntuned ${estText(d.cell.tuned)}`
      : `L${d.layer}H${d.head} · ${d.model}\n${num(d.value)} [${num(d.model === models.base ? d.cell.base.lo : d.cell.tuned.lo)}, ${num(d.model === models.base ? d.cell.base.hi : d.cell.tuned.hi)}]`;
  const marked = o.marked ?? [];
  const markedData = data.filter((d) => marked.some((m) => m.layer === d.layer && m.head === d.head));
  const scope = `${grid.family} · ${grid.querySet} tokens`;
  return {
    id: isDelta ? 'head-grid-delta' : 'head-grid',
    title: isDelta ? `Δ ${label} per head` : `${label} per head`,
    subtitle: `${scope}; ${isDelta ? `tuned − base over ${grid.cells.find((c) => c !== null)?.n ?? 0} probes` : `${models.base} | ${models.tuned} on one scale`}`,
    size,
    description: `Heatmap of ${label} for every layer (rows) and head (columns), ${isDelta ? 'tuned minus base' : 'base and tuned'}, ${scope}.`,
    plot: {
      marginLeft: fs * 4,
      // Small grids keep square-ish cells (at most 4 em wide) instead of stretching over the width.
      marginRight: Math.max(fs * 0.6, size.width - fs * 4 - (isDelta ? 1 : 2.1) * grid.nHeads * fs * 4),

      marginTop: isDelta ? fs * 0.6 : fs * 1.6,
      marginBottom: fs * 3.2,
      padding: 0,
      ...(isDelta ? {} : { fx: { label: null, padding: 0.06, domain: [models.base, models.tuned] } }),
      x: {
        label: 'head',
        labelOffset: fs * 2.9,
        tickFormat: everyKth(grid.nHeads, 16),
        tickSize: 2,
        padding: 0,
        domain: range(grid.nHeads),
      },
      y: {
        label: 'layer',
        labelOffset: fs * 3.6,
        tickFormat: everyKth(grid.nLayers, 16),
        tickSize: 2,
        padding: 0,
        domain: range(grid.nLayers),
      },
      color: colorOptions(color),
      marks: [
        Plot.cell(data, { x: 'head', y: 'layer', ...(isDelta ? {} : { fx: 'model' }), fill, inset: 0 }),
        Plot.cell(markedData, {
          x: 'head',
          y: 'layer',
          ...(isDelta ? {} : { fx: 'model' }),
          stroke: INK,
          strokeWidth: Math.max(1, fs / 8),
          fill: 'none',
          inset: 0.5,
        }),
        Plot.tip(
          data,
          Plot.pointer({ x: 'head', y: 'layer', ...(isDelta ? {} : { fx: 'model' }), title: tip, fontSize: fs }),
        ),
      ],
    },
    legend: { kind: 'ramp', scale: color },
    pick: (datum) => {
      const d = datum as Cell | null;
      return d === null ? null : { layer: d.layer, head: d.head };
    },
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A height that keeps cells legible and not flatter than 0.6 : 1, for a grid drawn `width` wide. */
export function headGridHeight(grid: HeadGrid, width: number, fontSize: number, panels = 1): number {
  const frameW = (width - fontSize * 4.6) / panels;
  const cellW = Math.min(fontSize * 4, frameW / Math.max(1, grid.nHeads));
  const cellH = Math.min(fontSize * 2.6, Math.max(3, 0.7 * cellW));

  const chrome = fontSize * (grid.nLayers > 0 ? 12 : 8);
  return Math.round(chrome + grid.nLayers * cellH);
}
