import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** MoE routing: the top-k experts of every token at every MoE layer. */
export const ROUTING = defineTable({
  name: 'routing',
  doc: 'Top-k expert choice per token and MoE layer; one row per (token, rank).',
  scope: 'unit',
  layered: true,
  sortBy: ['layer', 'position', 'rank'],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('position', 'int32', 'Token position (prompt then teacher-forced answer).', 'token position'),
    col('rank', 'int16', 'Rank in the top-k, 0 = highest gate.'),
    col('expert', 'int16', 'Expert index, 0-based.'),
    col(
      'gate',
      'float32',
      'Gate weight the model applied to the expert (after its top-k renormalisation, if any).',
      'weight (0..1)',
    ),
  ],
});

export type RoutingBatch = BatchOf<typeof ROUTING.columns>;
export type RoutingUnitBatch = UnitBatchOf<typeof ROUTING.columns>;
export type RoutingRow = RowOf<typeof ROUTING.columns>;
