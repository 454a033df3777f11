import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** `query_segment`/`key_segment` value for the tokens that lie outside every segment. */
export const OUTSIDE_SEGMENTS = -1;

/** Segment × segment attention mass, per head. */
export const ATTENTION_SEGMENTS = defineTable({
  name: 'attention_segments',
  doc: "Mean attention mass that the query segment's tokens put on the key segment's tokens.",
  scope: 'unit',
  layered: true,
  sortBy: ['layer', 'head', 'query_segment', 'key_segment'],
  columns: [
    col('model', 'dict', "Model name: `base`, `tuned`, or the user's name."),
    col('probe_id', 'dict', 'Probe id.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('head', 'int16', 'Query head, 0-based.'),
    col('query_segment', 'int32', '`segments.segment_index` of the query tokens; -1 = tokens outside every segment.'),
    col('key_segment', 'int32', '`segments.segment_index` of the key tokens; -1 = tokens outside every segment.'),
    col(
      'mass',
      'float32',
      "Mean over the query segment's tokens of the attention mass (sum of weights) on the key segment's tokens.",
      'probability (0..1)',
    ),
    col('n_queries', 'int32', 'Number of query tokens averaged.', 'tokens'),
  ],
});

export type AttentionSegmentsBatch = BatchOf<typeof ATTENTION_SEGMENTS.columns>;
export type AttentionSegmentsUnitBatch = UnitBatchOf<typeof ATTENTION_SEGMENTS.columns>;
export type AttentionSegmentsRow = RowOf<typeof ATTENTION_SEGMENTS.columns>;
