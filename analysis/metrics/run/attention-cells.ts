import { QUERY_SETS, type QuerySet } from '../../schema/query-sets.ts';

/** Per-head attention metrics, in column order of a cell's values. */
export const ATTENTION_METRICS = [
  'evidence_mass',
  'evidence_lift',
  'distractor_mass',
  'distractor_lift',
  'sink_mass',
  'local_mass',
  'entropy_bits',
] as const;
export type AttentionMetric = (typeof ATTENTION_METRICS)[number];
export const metricIndex = (m: AttentionMetric): number => ATTENTION_METRICS.indexOf(m);

/** `head` of the cell that averages a layer's heads, as `metrics_attention_heads` writes it. */
export const HEAD_MEAN = -1;

/** One (layer, head, query set) of the attention tables; head HEAD_MEAN is the mean over the layer's heads. */
export interface CellId {
  layer: number;
  head: number;
  querySet: QuerySet;
}

/** The map key of a cell (its fields joined; no packing, so no bound on layers or heads). */
export const cellKey = (c: CellId): string => `${c.layer}/${c.head}/${c.querySet}`;

/**
 * Table order and the order in which random streams are drawn: layer, then head (the head mean after
 * the heads), then query set by name — never by position in QUERY_SETS, so reordering the schema's list
 * changes no table (test/unit/metrics/query-set-order.test.ts).
 */
export function compareCells(a: CellId, b: CellId): number {
  const head = (h: number) => (h === HEAD_MEAN ? Number.POSITIVE_INFINITY : h);
  return a.layer - b.layer || head(a.head) - head(b.head) || compareQuerySets(a.querySet, b.querySet);
}

/** Query sets by name (see compareCells). */
export const compareQuerySets = (a: QuerySet, b: QuerySet): number => (a < b ? -1 : a > b ? 1 : 0);

/** The distinct query sets of some cells, in compareQuerySets order. */
export const querySetsOf = (ids: readonly CellId[]): QuerySet[] =>
  [...new Set(ids.map((c) => c.querySet))].sort(compareQuerySets);

/** A query-set name read from a run table, or null when the schema does not define it. */
export const asQuerySet = (name: string | null | undefined): QuerySet | null =>
  (QUERY_SETS as readonly (string | null | undefined)[]).includes(name) ? (name as QuerySet) : null;
