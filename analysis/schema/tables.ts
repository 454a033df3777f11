import { ANSWER_LOGPROBS, type AnswerLogprobsBatch } from './answer-logprobs.ts';
import { ATTENTION_DISTANCE, type AttentionDistanceBatch } from './attention-distance.ts';
import { ATTENTION_ROWS, type AttentionRowsBatch } from './attention-rows.ts';
import { ATTENTION_SEGMENTS, type AttentionSegmentsBatch } from './attention-segments.ts';
import type { TableSpec } from './columns.ts';
import { PROBES, type ProbesBatch } from './probes.ts';
import { ROUTER_PROBS, type RouterProbsBatch } from './router-probs.ts';
import { ROUTING, type RoutingBatch } from './routing.ts';
import { SEGMENTS, type SegmentsBatch } from './segments.ts';
import { TOKENS, type TokensBatch } from './tokens.ts';

/** Every run-store table, by name, in documentation order. */
export const TABLES = {
  probes: PROBES,
  segments: SEGMENTS,
  tokens: TOKENS,
  attention_segments: ATTENTION_SEGMENTS,
  attention_distance: ATTENTION_DISTANCE,
  attention_rows: ATTENTION_ROWS,
  routing: ROUTING,
  router_probs: ROUTER_PROBS,
  answer_logprobs: ANSWER_LOGPROBS,
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** Tables with one file per run (`RUN/<table>.arrow`). */
export type RunTableName = 'probes' | 'segments' | 'tokens';
export const RUN_TABLE_NAMES = ['probes', 'segments', 'tokens'] as const satisfies readonly RunTableName[];
/** Tables with one part file per (model, probe) unit (`RUN/parts/<model>/<probe dir>/<table>.arrow`). */
export type UnitTableName = Exclude<TableName, RunTableName>;
export const UNIT_TABLE_NAMES = TABLE_NAMES.filter((t): t is UnitTableName => TABLES[t].scope === 'unit');

export interface BatchByTable {
  probes: ProbesBatch;
  segments: SegmentsBatch;
  tokens: TokensBatch;
  attention_segments: AttentionSegmentsBatch;
  attention_distance: AttentionDistanceBatch;
  attention_rows: AttentionRowsBatch;
  routing: RoutingBatch;
  router_probs: RouterProbsBatch;
  answer_logprobs: AnswerLogprobsBatch;
}

/** A full column batch of `T` (unit tables included, with `model`/`probe_id`). */
export type ColumnBatch<T extends TableName> = BatchByTable[T];
/** What the run writer takes for a unit table: the batch without `model`/`probe_id`. */
export type UnitColumnBatch<T extends UnitTableName> = Omit<BatchByTable[T], 'model' | 'probe_id'>;

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}
