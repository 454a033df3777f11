import type { Columns } from './arrow-read.ts';
import { numbers, rowsWhere } from './columns.ts';
import { comparisonAt, type Comparison } from './comparison.ts';

export interface HeadCell extends Comparison {
  layer: number;
  head: number;
  /** Rank of Δ on the selection half (0 = largest), -1 for layer means. */
  rankSelect: number;
}

/** Layer × head cells of one family, query set and metric (from `metrics_attention_heads`). */
export interface HeadGrid {
  family: string;
  querySet: string;
  metric: string;
  nLayers: number;
  nHeads: number;
  /** Row-major [layer × head]; null where the run has no value. */
  cells: (HeadCell | null)[];
  /** Head means (head = -1) per layer. */
  layerMeans: (HeadCell | null)[];
}

/**
 * Shapes `metrics_attention_heads` into a layer × head grid.
 * Example: `headGrid(index.metrics.metrics_attention_heads, { family: 'all', querySet: 'answer', metric: 'evidence_lift' })`.
 */
export function headGrid(cols: Columns, where: { family: string; querySet: string; metric: string }): HeadGrid {
  const rows = rowsWhere(cols, { family: where.family, query_set: where.querySet, metric: where.metric });
  const layer = numbers(cols, 'layer');
  const head = numbers(cols, 'head');
  const rank = numbers(cols, 'rank_select');
  let nLayers = 0;
  let nHeads = 0;
  for (const i of rows) {
    nLayers = Math.max(nLayers, layer[i]! + 1);
    nHeads = Math.max(nHeads, head[i]! + 1);
  }
  const cells: (HeadCell | null)[] = new Array(nLayers * nHeads).fill(null);
  const layerMeans: (HeadCell | null)[] = new Array(nLayers).fill(null);
  for (const i of rows) {
    const cell = { layer: layer[i]!, head: head[i]!, rankSelect: rank[i]!, ...comparisonAt(cols, i) };
    if (cell.head < 0) layerMeans[cell.layer] = cell;
    else cells[cell.layer * nHeads + cell.head] = cell;
  }
  return { ...where, nLayers, nHeads, cells, layerMeans };
}

/** The `n` cells with the largest Δ (ties by layer, head), for labels and "most changed" lists. */
export function topDeltaCells(grid: HeadGrid, n: number): HeadCell[] {
  return grid.cells
    .filter((c): c is HeadCell => c !== null)
    .sort((a, b) => b.delta.value - a.delta.value || a.layer - b.layer || a.head - b.head)
    .slice(0, n);
}
