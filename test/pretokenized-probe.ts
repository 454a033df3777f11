/** Half-open token span [start, end). */
type Span = readonly [number, number];

/**
 * One pre-tokenized probe as a JSONL line (acc-lens.probe/1, family mrcr): its ids and the token spans
 * of its evidence, optional question and answer segments. Example: `probeLine('p0', ids, { evidence: [2, 8], answer: [37, 40] })`.
 */
export function probeLine(
  id: string,
  ids: readonly number[],
  spans: { evidence: Span; question?: Span; answer: Span },
): string {
  const segment = (kind: string, label: string, [start, end]: Span) => ({
    kind,
    label,
    turn: 0,
    token_start: start,
    token_end: end,
  });
  return JSON.stringify({
    schema: 'acc-lens.probe/1',
    id,
    family: 'mrcr',
    answer: 'x',
    source: 'test',
    metadata: {},
    input_ids: ids,
    segments: [
      segment('evidence', 'e', spans.evidence),
      ...(spans.question ? [segment('question', 'q', spans.question)] : []),
      segment('answer', 'answer', spans.answer),
    ],
  });
}
