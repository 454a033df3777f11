import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** Sparse attention rows: the top-k keys of each selected query row, one table row per kept key. */
export const ATTENTION_ROWS = defineTable({
  name: 'attention_rows',
  doc: 'Top-k keys (plus a threshold) of selected query rows; one row per kept key.',
  scope: 'unit',
  layered: true,
  // Within one query row the writer keeps the capture's key order (e.g. by weight).
  sortBy: ['layer', 'head', 'query_set', 'query_pos'],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('head', 'int16', 'Query head, 0-based.'),
    col('query_set', 'dict', 'Query set the row was selected for: `answer`, `last`, `question` or `all`.'),
    col('query_pos', 'int32', 'Position of the query token.', 'token position'),
    col('key_pos', 'int32', 'Position of the kept key token.', 'token position'),
    col(
      'weight',
      'float32',
      "Attention weight of the key in the query's row (softmax probability).",
      'probability (0..1)',
    ),
    col(
      'row_mass_kept',
      'float32',
      'Sum of the kept weights of this query row (same on every row of it); 1 − this is what top-k dropped.',
      'probability (0..1)',
    ),
  ],
});

export type AttentionRowsBatch = BatchOf<typeof ATTENTION_ROWS.columns>;
export type AttentionRowsUnitBatch = UnitBatchOf<typeof ATTENTION_ROWS.columns>;
export type AttentionRowsRow = RowOf<typeof ATTENTION_ROWS.columns>;
