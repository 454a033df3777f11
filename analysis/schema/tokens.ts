import { col, defineTable, nullableCol, type BatchOf, type RowOf } from './columns.ts';

/** One row per token of every probe (prompt and answer), so readers can show the text without a tokenizer. */
export const TOKENS = defineTable({
  name: 'tokens',
  doc: 'One row per token of a probe (prompt, then the teacher-forced answer), one record batch per probe.',
  scope: 'run',
  layered: false,
  probeBatched: true,
  sortBy: [],
  columns: [
    col('probe_id', 'dict', 'Probe id (joins `probes.probe_id`).'),
    col('position', 'int32', 'Token position in the full sequence, 0-based.', 'token position'),
    col('token_id', 'int32', 'Tokenizer id of the token.'),
    nullableCol(
      'text',
      'dict',
      'The characters of the probe text the token covers (empty when it covers part of one character); null for pre-tokenized probes.',
    ),
    nullableCol(
      'char_start',
      'int32',
      'First character of the token in the probe text (UTF-16 code units); null for pre-tokenized probes.',
      'characters',
    ),
    nullableCol('char_end', 'int32', 'End character (exclusive); null for pre-tokenized probes.', 'characters'),
  ],
});

export type TokensBatch = BatchOf<typeof TOKENS.columns>;
export type TokensRow = RowOf<typeof TOKENS.columns>;
