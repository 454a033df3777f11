import * as Plot from '@observablehq/plot';
import { columnEdges, poolMode, spanColumns, type Columns1D, type Window } from '../data/lod.ts';
import { DIMMED, EMPTY, expertColor, HIGHLIGHT } from './expert-colors.ts';
import { num } from './format.ts';
import { kindsPresent, type StripSegment } from './segments.ts';
import { segmentColor } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, Raster } from './types.ts';

export interface RoutingStripModel {
  name: string;
  /** [layer index × position] rank-0 expert per token (−1 = none). */
  top1: Int16Array;
}

export interface RoutingStripData {
  probeId: string;
  layers: number[];
  positions: number;
  nExperts: number;
  window: Window;
  segments: StripSegment[];
  /** One model, or [base, tuned]: with two, a third block marks where their top-1 experts differ. */
  models: RoutingStripModel[];
}

export interface RoutingStripOptions {
  /** Draw only this expert (ink) and the rest grey: colour-blind safe, and answers "where does expert e fire". */
  expert?: number | null;
}

interface Block {
  label: string;
  row0: number;
  kind: 'segments' | 'model' | 'differ';
  model?: number;
}

function layout(d: RoutingStripData): { blocks: Block[]; rows: number; segRows: number } {
  const L = d.layers.length;
  const segRows = Math.max(1, Math.round(L / 6));
  const gap = Math.max(1, Math.round(L / 16));
  const blocks: Block[] = [{ label: 'segments', row0: 0, kind: 'segments' }];
  let row = segRows + gap;
  d.models.forEach((m, i) => {
    blocks.push({ label: m.name, row0: row, kind: 'model', model: i });
    row += L + gap;
  });
  if (d.models.length === 2) {
    blocks.push({ label: 'differ', row0: row, kind: 'differ' });
    row += L + gap;
  }
  return { blocks, rows: row - gap, segRows };
}

/** An RGB colour as one opaque RGBA pixel of a Uint32Array over RGBA bytes (whatever the platform's byte order). */
const packer = new Uint8ClampedArray(4);
const packed = new Uint32Array(packer.buffer);
function pixel([r, g, b]: readonly [number, number, number]): number {
  packer.set([r, g, b, 255]);
  return packed[0]!;
}

function paint(
  d: RoutingStripData,
  cols: Columns1D,
  blocks: Block[],
  rows: number,
  segRows: number,
  expert: number | null,
): { raster: Raster; modes: Int16Array[]; differ: Float32Array | null } {
  const W = cols.columns;
  const rgba = new Uint8ClampedArray(W * rows * 4);
  // One 32-bit write per pixel, colours looked up per expert: a redraw costs its pixels, little more.
  const px = new Uint32Array(rgba.buffer).fill(pixel(EMPTY));
  const L = d.layers.length;
  for (const s of d.segments) {
    const span = spanColumns(cols, s.start, s.end);
    if (span === null) continue;
    const hex = segmentColor(s.kind);
    const rgb = pixel([1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]);
    for (let r = 0; r < segRows; r++) px.fill(rgb, r * W + span.c0, r * W + span.c1);
  }
  const pooled = d.models.map((m, i) =>
    poolMode(cols, m.top1, L, d.positions, d.nExperts, i === 1 ? d.models[0]!.top1 : undefined),
  );
  const modes = pooled.map((p) => p.mode);
  const differ = d.models.length === 2 ? pooled[1]!.differ : null;
  const palette = Uint32Array.from({ length: d.nExperts }, (_, e) =>
    pixel(expert === null ? expertColor(e) : e === expert ? HIGHLIGHT : DIMMED),
  );
  const empty = pixel(EMPTY);
  const grey = Uint32Array.from({ length: 256 }, (_, v) => pixel([v, v, v]));
  for (const b of blocks) {
    for (let l = 0; l < L; l++) {
      const row = (b.row0 + l) * W;
      if (b.kind === 'model') {
        const mode = modes[b.model!]!;
        for (let c = 0; c < W; c++) {
          const e = mode[l * W + c]!;
          px[row + c] = e < 0 ? empty : palette[e]!;
        }
      } else if (b.kind === 'differ' && differ !== null) {
        for (let c = 0; c < W; c++) px[row + c] = grey[Math.round(255 * (1 - differ[l * W + c]!))]!;
      }
    }
  }
  return { raster: { columns: W, rows, rgba }, modes, differ };
}

/**
 * The per-token routing strip: layers × tokens, each cell the rank-0 expert (pooled columns show
 * the most frequent one), base above tuned, and a block that is dark where their top-1 experts
 * differ (the share of differing tokens when pooled). Aligned with the attention strip's window.
 */
export function routingStripChart(
  d: RoutingStripData,
  size: ChartSize,
  o: RoutingStripOptions = {},
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const margin = { left: fs * 7.2, right: fs * 3.2, top: fs * 0.4, bottom: fs * 3 };
  const cols = columnEdges(d.window, Math.round(size.width - margin.left - margin.right));
  const { blocks, rows, segRows } = layout(d);
  const expert = o.expert ?? null;
  const { raster, modes, differ } = paint(d, cols, blocks, rows, segRows, expert);
  const L = d.layers.length;
  const labelEvery = L <= 8 ? 1 : Math.ceil(L / 6);
  const blockLabels = blocks.map((b) => ({
    y: b.kind === 'segments' ? segRows / 2 : b.row0 + L / 2,
    text: b.label,
  }));
  const layerLabels = blocks.flatMap((b) =>
    b.kind === 'segments'
      ? []
      : d.layers.flatMap((layer, l) => (l % labelEvery === 0 ? [{ y: b.row0 + l + 0.5, text: `L${layer}` }] : [])),
  );
  const span = d.window.end - d.window.start;
  return {
    id: 'routing-strip',
    title: `Expert routing per token · ${d.probeId}`,
    subtitle: `rank-0 expert per layer and token${span / cols.columns > 1 ? ` (most frequent of ${num(span / cols.columns)} tokens per column)` : ''}; tokens ${d.window.start}–${d.window.end}${expert === null ? '' : `; expert ${expert} in black`}${d.models.length === 2 ? `; "differ": share of tokens whose top-1 expert differs (${d.models[0]!.name} vs ${d.models[1]!.name})` : ''}`,
    size,
    description: `For probe ${d.probeId}, the top-1 expert of every MoE layer at every token position, per model${d.models.length === 2 ? ', and where the two models disagree' : ''}.`,
    raster,
    plot: {
      marginLeft: margin.left,
      marginRight: margin.right,
      marginTop: margin.top,
      marginBottom: margin.bottom,
      x: { domain: [d.window.start, d.window.end], label: 'token position', labelOffset: fs * 2.6, tickSize: 3 },
      y: { domain: [rows, 0], axis: null },
      marks: [
        Plot.text(blockLabels, {
          x: d.window.start,
          y: 'y',
          text: 'text',
          textAnchor: 'end',
          dx: -fs * 2.3,
          fontWeight: 'bold',
          fontSize: fs * 0.85,
        }),
        Plot.text(layerLabels, {
          x: d.window.start,
          y: 'y',
          text: 'text',
          textAnchor: 'end',
          dx: -fs * 0.3,
          fontSize: fs * 0.75,
        }),
      ],
    },
    legend: {
      kind: 'swatches',
      items: [
        ...kindsPresent(d.segments).map((k) => ({ label: k, color: segmentColor(k), shape: 'rect' as const })),
        ...(d.models.length === 2 ? [{ label: 'top-1 differs', color: '#000000', shape: 'rect' as const }] : []),
      ],
    },
    locate: (fx, fy) => {
      const c = Math.min(cols.columns - 1, Math.max(0, Math.floor(fx * cols.columns)));
      const r = Math.floor(fy * rows);
      const block = [...blocks].reverse().find((b) => r >= b.row0);
      const p0 = cols.edges[c]!;
      const p1 = cols.edges[c + 1]! - 1;
      const where = p1 > p0 ? `tokens ${p0}–${p1}` : `token ${p0}`;
      if (block === undefined || block.kind === 'segments') return { text: where, pick: { position: p0 } };
      const l = r - block.row0;
      if (l < 0 || l >= L) return null;
      const layer = d.layers[l]!;
      if (block.kind === 'differ')
        return {
          text: `L${layer} · ${where}\ntop-1 differs on ${num(100 * differ![l * cols.columns + c]!)} %`,
          pick: { layer, position: p0 },
        };
      const e = modes[block.model!]![l * cols.columns + c]!;
      const others = modes.map((m, i) => `${d.models[i]!.name}: expert ${m[l * cols.columns + c]}`).join('\n');
      return {
        text: `L${layer} · ${where}\n${others}`,
        pick: e >= 0 ? { layer, expert: e, position: p0 } : { layer, position: p0 },
      };
    },
  };
}

/** A height at which every layer row is at least one label tall (≤ 8 layers) or ≥ 1.5 units (more layers). */
export function routingStripHeight(nLayers: number, nModels: number, fontSize: number): number {
  const blocks = nModels + (nModels === 2 ? 1 : 0);
  const rowH = nLayers <= 8 ? fontSize * 1.05 : Math.max(1.5, Math.min(fontSize * 0.6, 300 / (nLayers * blocks)));
  const rows = nLayers * blocks + Math.max(1, Math.round(nLayers / 6)) + blocks * Math.max(1, Math.round(nLayers / 16));
  return Math.round(fontSize * 13 + rows * rowH);
}
