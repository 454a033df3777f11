import * as Plot from '@observablehq/plot';
import { columnEdges, poolMass, spanColumns, type Window } from '../data/lod.ts';
import { num } from './format.ts';
import { kindsPresent, type StripSegment } from './segments.ts';
import { INK, MODEL_STYLE, segmentColor, type ModelRole } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec } from './types.ts';

export interface StripModelRows {
  name: string;
  role: ModelRole;
  /** Kept keys of the chosen query rows and their weights (already divided by the number of rows). */
  keys: ArrayLike<number>;
  weights: ArrayLike<number>;
  rows: number;
  keptMass: number;
}

export interface AttentionStripData {
  probeId: string;
  layer: number;
  head: number;
  querySet: string;
  /** The query positions shown (one, or every row of the set). */
  queryPositions: number[];
  nTokens: number;
  window: Window;
  segments: StripSegment[];
  models: StripModelRows[];
}

export interface AttentionStripOptions {
  /** `mass`: summed weight per column; `row`: divided by each model's largest column; `sqrt`: √mass. */
  scale?: 'mass' | 'row' | 'sqrt';
  /** Leave token 0 (the attention sink) out, so it does not flatten everything else. */
  excludeSink?: boolean;
}

interface Bar {
  model: string;
  x1: number;
  x2: number;
  y: number;
  mass: number;
}

/**
 * The long-context attention strip: the probe's segments as coloured bands, and per model the
 * attention of the chosen query row(s) pooled into pixel columns over the window — summed, so a
 * single attended token never fades when zoomed out, and every segment keeps ≥ 1 column.
 */
export function attentionStripChart(
  d: AttentionStripData,
  size: ChartSize,
  o: AttentionStripOptions = {},
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const margin = { left: fs * 6.6, right: fs * 3.2, top: fs * 0.4, bottom: fs * 3 };
  const cols = columnEdges(d.window, Math.round(size.width - margin.left - margin.right));
  const exclude = o.excludeSink ? (p: number) => p === 0 : () => false;
  const scale = o.scale ?? 'mass';
  const bars: Bar[] = [];
  for (const m of d.models) {
    const pooled = poolMass(cols, m.keys, m.weights, exclude);
    const max = Math.max(1e-12, ...pooled);
    pooled.forEach((mass, c) => {
      if (mass <= 0) return;
      const y = scale === 'row' ? mass / max : scale === 'sqrt' ? Math.sqrt(mass) : mass;
      bars.push({ model: m.name, x1: cols.edges[c]!, x2: cols.edges[c + 1]!, y, mass });
    });
  }
  const bands = d.segments.flatMap((s) => {
    const span = spanColumns(cols, s.start, s.end);
    return span === null ? [] : [{ ...s, x1: cols.edges[span.c0]!, x2: cols.edges[span.c1]! }];
  });
  const evidence = bands.filter((b) => b.kind === 'evidence');
  // Rows are laid out by hand on one linear y scale (0 at the top): a thin segment band, then one
  // taller row per model, whose bars are scaled to the largest column of all models (one scale).
  const segH = 0.45;
  const gap = 0.15;
  const row0 = (i: number) => segH + gap + i * (1 + gap);
  const yTotal = row0(d.models.length) - gap;
  const yMax = Math.max(1e-12, ...bars.map((b) => b.y));
  const rowOf = new Map(d.models.map((m, i) => [m.name, i]));
  const barY = (b: Bar) => row0(rowOf.get(b.model)! + 1) - gap;
  const labels = [{ y: segH / 2, text: 'segments' }, ...d.models.map((m, i) => ({ y: row0(i) + 0.5, text: m.name }))];
  const yLabel = scale === 'row' ? 'share of row max' : scale === 'sqrt' ? '√ mass' : 'mass / column';
  const queries = d.queryPositions.filter((q) => q >= d.window.start && q < d.window.end);
  const modelColor = (name: string) => MODEL_STYLE[d.models.find((m) => m.name === name)?.role ?? 'tuned'].color;
  const span = d.window.end - d.window.start;
  const tokensPerColumn = span / cols.columns;
  return {
    id: 'attention-strip',
    title: `Attention of L${d.layer}H${d.head} over the context · ${d.probeId}`,
    subtitle: `${d.querySet} quer${d.queryPositions.length === 1 ? 'y' : 'ies'} (${d.queryPositions.length === 1 ? `position ${d.queryPositions[0]}` : `mean of ${d.queryPositions.length} rows`}); tokens ${d.window.start}–${d.window.end} of ${d.nTokens}, ${tokensPerColumn >= 1 ? `${num(tokensPerColumn)} tokens per column, summed` : 'one token per column'}; bar height: ${yLabel} (0–${num(yMax)})${o.excludeSink ? '; sink (token 0) excluded' : ''}`,
    size,
    description: `For probe ${d.probeId}, the attention weights of layer ${d.layer} head ${d.head} from the ${d.querySet} query tokens onto every earlier token, per model, with the probe's segments as bands.`,
    plot: {
      marginLeft: margin.left,
      marginRight: margin.right,
      marginTop: margin.top,
      marginBottom: margin.bottom,
      x: { domain: [d.window.start, d.window.end], label: 'token position', labelOffset: fs * 2.6, tickSize: 3 },
      y: { domain: [yTotal, 0], axis: null },
      color: { type: 'ordinal', domain: kindsPresent(d.segments), range: kindsPresent(d.segments).map(segmentColor) },
      marks: [
        Plot.rect(bands, { x1: 'x1', x2: 'x2', y1: 0, y2: segH, fill: 'kind' }),
        ...d.models.map((_, i) =>
          Plot.rect(evidence, {
            x1: 'x1',
            x2: 'x2',
            y1: row0(i),
            y2: row0(i) + 1,
            fill: segmentColor('evidence'),
            fillOpacity: 0.15,
          }),
        ),
        Plot.ruleY(
          d.models.map((_, i) => row0(i) + 1),
          { stroke: '#cfcfcf', strokeWidth: 0.6 },
        ),
        Plot.rect(bars, {
          x1: 'x1',
          x2: 'x2',
          y1: barY,
          y2: (b: Bar) => barY(b) - (b.y / yMax) * 0.96,
          fill: (b: Bar) => modelColor(b.model),
        }),
        // Query tokens: ticks at the foot of the segment band, so many rows do not hide the bars.
        Plot.ruleX(queries, { x: (q: number) => q, y1: segH * 0.55, y2: segH, stroke: INK, strokeWidth: 0.8 }),
        Plot.text(labels, {
          x: d.window.start,
          y: 'y',
          text: 'text',
          textAnchor: 'end',
          dx: -fs * 0.5,
          fontSize: fs * 0.9,
        }),
        Plot.tip(
          bars,
          Plot.pointerX({
            x: (b: Bar) => (b.x1 + b.x2) / 2,
            y: (b: Bar) => barY(b) - (b.y / yMax) * 0.96,
            fontSize: fs,
            title: (b: Bar) => `${b.model}: tokens ${b.x1}–${b.x2 - 1}\nmass ${num(b.mass)}`,
          }),
        ),
      ],
    },
    legend: {
      kind: 'swatches',
      items: [
        ...kindsPresent(d.segments).map((k) => ({ label: k, color: segmentColor(k), shape: 'rect' as const })),
        ...d.models.map((m) => ({
          label: `${m.name} (top-k keeps ${num(m.keptMass)} of each row)`,
          color: MODEL_STYLE[m.role].color,
          shape: 'rect' as const,
        })),
        { label: 'query tokens', color: INK, shape: 'rect' as const },
      ],
    },
    pick: (datum) => {
      const b = datum as Bar | null;
      return b === null ? null : { position: Math.floor((b.x1 + b.x2 - 1) / 2) };
    },
  };
}
