import { col, defineTable, type BatchOf, type RowOf, type UnitBatchOf } from './columns.ts';

/** Teacher-forced log-probabilities of the gold answer tokens. */
export const ANSWER_LOGPROBS = defineTable({
  name: 'answer_logprobs',
  doc: 'Log-probability the model gives each gold answer token, teacher-forced after the prompt.',
  scope: 'unit',
  layered: false,
  sortBy: ['answer_index'],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('answer_index', 'int32', 'Index of the token within the answer, 0-based.'),
    col('position', 'int32', 'Position of the answer token in the full sequence.', 'token position'),
    col('token_id', 'int32', 'Tokenizer id of the gold answer token.'),
    col('logprob', 'float32', 'Natural-log probability of the token given everything before it.', 'nats (≤ 0)'),
  ],
});

export type AnswerLogprobsBatch = BatchOf<typeof ANSWER_LOGPROBS.columns>;
export type AnswerLogprobsUnitBatch = UnitBatchOf<typeof ANSWER_LOGPROBS.columns>;
export type AnswerLogprobsRow = RowOf<typeof ANSWER_LOGPROBS.columns>;
