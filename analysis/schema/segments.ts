import { col, defineTable, nullableCol, type BatchOf, type RowOf } from './columns.ts';

/** One row per segment of a probe (question, evidence, distractor, tool_response, answer…). */
export const SEGMENTS = defineTable({
  name: 'segments',
  doc: 'One row per segment of a probe. Token spans are half-open [token_start, token_end).',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('probe_id', 'dict', 'Probe id (joins `probes.probe_id`).'),
    col('segment_index', 'int32', 'Index of the segment within its probe, 0-based; attention tables refer to it.'),
    col(
      'kind',
      'dict',
      'Segment kind: `question`, `evidence`, `distractor`, `tool_response`, `answer`, `system`, `filler`, …',
    ),
    nullableCol('label', 'dict', 'Free label, e.g. the evidence id or tool name; null when none.'),
    nullableCol('turn', 'int32', 'Conversation turn the segment belongs to, 0-based; null for single-turn probes.'),
    col('token_start', 'int32', 'First token of the segment (inclusive).', 'token position'),
    col('token_end', 'int32', 'End of the segment (exclusive).', 'token position'),
    nullableCol(
      'char_start',
      'int32',
      'First character in the probe text (inclusive, UTF-16 code units); null for pre-tokenized probes.',
      'characters',
    ),
    nullableCol('char_end', 'int32', 'End character (exclusive); null for pre-tokenized probes.', 'characters'),
  ],
});

export type SegmentsBatch = BatchOf<typeof SEGMENTS.columns>;
export type SegmentsRow = RowOf<typeof SEGMENTS.columns>;
