import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** Optional full router distributions (only when the plan asks for them: experts × tokens rows). */
export const ROUTER_PROBS = defineTable({
  name: 'router_probs',
  doc: 'Full router softmax per token, MoE layer and expert (optional).',
  scope: 'unit',
  layered: true,
  sortBy: ['layer', 'position', 'expert'],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('position', 'int32', 'Token position.', 'token position'),
    col('expert', 'int16', 'Expert index, 0-based.'),
    col('prob', 'float32', 'Router softmax probability of the expert (before top-k).', 'probability (0..1)'),
  ],
});

export type RouterProbsBatch = BatchOf<typeof ROUTER_PROBS.columns>;
export type RouterProbsUnitBatch = UnitBatchOf<typeof ROUTER_PROBS.columns>;
export type RouterProbsRow = RowOf<typeof ROUTER_PROBS.columns>;
