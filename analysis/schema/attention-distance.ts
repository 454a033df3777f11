import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** Attention distance profiles: mass per token-distance bin (see distance-bins.ts). */
export const ATTENTION_DISTANCE = defineTable({
  name: 'attention_distance',
  doc: 'Mean attention mass per distance bin (distance = query position − key position), per query set.',
  scope: 'unit',
  layered: true,
  sortBy: ['layer', 'head', 'query_set', 'bin'],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('head', 'int16', 'Query head, 0-based.'),
    col('query_set', 'dict', 'Query set: `answer`, `last`, `question` or `all`.'),
    col('bin', 'int16', 'Distance bin 0..31 of `distanceBinEdges()`; bin 0 = distance 0.'),
    col('bin_lo', 'int32', 'Smallest distance in the bin (inclusive).', 'tokens'),
    col('bin_hi', 'int32', 'Bin end (exclusive).', 'tokens'),
    col(
      'mass',
      'float32',
      "Mean over the query set's tokens of the attention mass on keys at a distance in the bin.",
      'probability (0..1)',
    ),
    col('n_queries', 'int32', 'Number of query tokens averaged.', 'tokens'),
  ],
});

export type AttentionDistanceBatch = BatchOf<typeof ATTENTION_DISTANCE.columns>;
export type AttentionDistanceUnitBatch = UnitBatchOf<typeof ATTENTION_DISTANCE.columns>;
export type AttentionDistanceRow = RowOf<typeof ATTENTION_DISTANCE.columns>;
