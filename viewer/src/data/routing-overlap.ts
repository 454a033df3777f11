import type { Columns } from './arrow-read.ts';
import { numbers, rowCount, strings } from './columns.ts';
import type { ModelPair } from './routing-experts.ts';

/** One cell of a family × family overlap matrix; both (a, b) and (b, a) are present, the diagonal is not. */
export interface OverlapCell {
  model: string;
  layer: number;
  a: string;
  b: string;
  jaccard: number;
}

export interface RoutingOverlap {
  models: ModelPair;
  /** In the table's order (the pipeline's family order). */
  families: string[];
  layers: number[];
  /** N of the top-N sets. */
  topN: number;
  cells: OverlapCell[];
}

/**
 * Shapes `metrics_routing_overlap` (one row per unordered family pair) into symmetric family ×
 * family cells per model and layer, for the `layers` asked (default every layer in the table).
 * Example: `routingOverlap(index.metrics.metrics_routing_overlap, { models: index.pair, layers: [1, 2] })`.
 */
export function routingOverlap(cols: Columns, o: { models: ModelPair; layers?: number[] }): RoutingOverlap {
  const model = strings(cols, 'model');
  const fa = strings(cols, 'family_a');
  const fb = strings(cols, 'family_b');
  const layer = numbers(cols, 'layer');
  const jaccard = numbers(cols, 'jaccard');
  const topN = numbers(cols, 'top_n');
  const families = new Set<string>();
  const present = new Set<number>();
  const cells: OverlapCell[] = [];
  let n = 0;
  for (let i = 0, rows = rowCount(cols); i < rows; i++) {
    families.add(fa[i]!).add(fb[i]!);
    present.add(layer[i]!);
    if (model[i] !== o.models.base && model[i] !== o.models.tuned) continue;
    if (o.layers !== undefined && !o.layers.includes(layer[i]!)) continue;
    const cell = { model: model[i]!, layer: layer[i]!, jaccard: jaccard[i]! };
    cells.push({ ...cell, a: fa[i]!, b: fb[i]! }, { ...cell, a: fb[i]!, b: fa[i]! });
    n = topN[i]!;
  }
  const layers = (o.layers ?? [...present]).filter((l) => present.has(l)).sort((a, b) => a - b);
  return { models: o.models, families: [...families], layers, topN: n, cells };
}
