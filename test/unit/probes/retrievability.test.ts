import { describe, expect, it } from 'vitest';
import { retrievability } from '../../../analysis/probes/retrievability.ts';

// 300 positions of filler id 1; evidence at [10, 20) holds ids 50..59; the answer at [290, 300).
function probe(answerIds: number[], extra: [number, number][] = []) {
  const ids = new Array<number>(300).fill(1);
  for (let i = 0; i < 10; i++) ids[10 + i] = 50 + i;
  for (const [pos, id] of extra) ids[pos] = id;
  answerIds.forEach((id, i) => (ids[290 + i] = id));
  return {
    input_ids: ids,
    answer_span: { start: 290, end: 290 + answerIds.length },
    segments: [
      { kind: 'evidence', token_start: 10, token_end: 20 },
      { kind: 'question', token_start: 280, token_end: 282 },
    ],
  };
}

describe('retrievability', () => {
  it('counts answer tokens whose earlier occurrences all lie in evidence', () => {
    const r = retrievability(probe([50, 51, 52]));
    expect(r.answer).toMatchObject({ n_query: 3, n_retrievable: 3, fraction: 1 });
  });

  it('separates mixed, outside and unmatched tokens', () => {
    // id 53 also at position 100 (outside evidence); id 1 is everywhere but evidence; id 999 nowhere earlier.
    const r = retrievability(probe([53, 1, 999, 54], [[100, 53]]));
    expect(r.answer).toMatchObject({
      n_query: 4,
      n_retrievable: 1,
      n_mixed: 1,
      n_outside: 1,
      n_unmatched: 1,
      fraction: 0.25,
    });
  });

  it('ignores occurrences closer than the minimum distance (the recency notch)', () => {
    // id 55 also at 250: only 40 tokens before the answer, so it does not count against it.
    expect(retrievability(probe([55], [[250, 55]])).answer.n_retrievable).toBe(1);
    expect(retrievability(probe([55], [[250, 55]]), 30).answer.n_mixed).toBe(1);
  });

  it('reports the distance from the evidence end to the first query token', () => {
    expect(retrievability(probe([50])).evidence_distance).toBe(280 - 20);
  });
});
