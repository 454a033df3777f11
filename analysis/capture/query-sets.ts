import type { QuerySet } from '../schema/query-sets.ts';
import type { TokenizedProbe } from '../tokenize/tokenize-probe.ts';

/** The part of a tokenized probe that capture reads. */
export type CaptureProbe = Pick<TokenizedProbe, 'id' | 'input_ids' | 'prompt_tokens' | 'answer_span'> & {
  segments: readonly { kind: string; token_start: number; token_end: number }[];
};

/**
 * Positions of each query set, ascending. `answer`: the rows of the teacher-forced answer tokens
 * (a retrieval head reads evidence from the answer token's own row); `last`: the last prompt token
 * (the row that predicts the first answer token); `question`: tokens of `question` segments; `all`: every token.
 * Example: `querySetPositions(p).get('last')` → Int32Array [p.prompt_tokens − 1].
 */
export function querySetPositions(p: CaptureProbe): Map<QuerySet, Int32Array> {
  const n = p.input_ids.length;
  const range = (a: number, b: number) => Int32Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  const question = new Uint8Array(n);
  for (const s of p.segments) if (s.kind === 'question') question.fill(1, s.token_start, Math.min(s.token_end, n));
  return new Map<QuerySet, Int32Array>([
    ['answer', range(p.answer_span.start, Math.min(p.answer_span.end, n))],
    ['last', p.prompt_tokens >= 1 ? Int32Array.of(p.prompt_tokens - 1) : new Int32Array(0)],
    ['question', Int32Array.from(Array.from(question).flatMap((v, i) => (v ? [i] : [])))],
    ['all', range(0, n)],
  ]);
}

/** Segment columns: column 0 = tokens outside every segment, column g + 1 = segment g. Overlapping segments each count their tokens. */
export function segmentMembership(p: CaptureProbe): { groups: number; keyMatrix: Float32Array; counts: Int32Array } {
  const n = p.input_ids.length,
    groups = p.segments.length + 1;
  const keyMatrix = new Float32Array(n * groups); // [n, G]
  const inAny = new Uint8Array(n);
  const counts = new Int32Array(groups);
  p.segments.forEach((s, g) => {
    for (let t = s.token_start; t < Math.min(s.token_end, n); t++) {
      keyMatrix[t * groups + g + 1] = 1;
      inAny[t] = 1;
      counts[g + 1]! += 1;
    }
  });
  for (let t = 0; t < n; t++)
    if (!inAny[t]) {
      keyMatrix[t * groups] = 1;
      counts[0]! += 1;
    }
  return { groups, keyMatrix, counts };
}
