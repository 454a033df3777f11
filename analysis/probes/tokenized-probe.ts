import type { TaskFamily } from './families.ts';
import type { SegmentKind } from './schema.ts';

/** One segment in token space; char offsets are into the rendered text (absent for pre-tokenized probes). */
export interface TokenSegment {
  kind: SegmentKind;
  label: string;
  turn: number;
  token_start: number;
  token_end: number;
  char_start: number | null;
  char_end: number | null;
  /** Both ends fall on token boundaries (always true for pre-tokenized probes). */
  aligned: boolean;
}

/** A probe as the model sees it: ids, segments as token spans, and the teacher-forced answer span. */
export interface TokenizedProbe {
  id: string;
  family: TaskFamily;
  source: string;
  tokenizer: string;
  input_ids: Int32Array;
  n_tokens: number;
  /** Tokens before the answer (the prompt, generation prompt included). */
  prompt_tokens: number;
  answer_span: { start: number; end: number };
  segments: TokenSegment[];
  /** Rendered prompt + answer; null for pre-tokenized probes. */
  text: string | null;
  metadata: Record<string, unknown>;
}
