import { MIN_EVIDENCE_DISTANCE } from './families.ts';

/** The token-level view retrievability needs: ids plus segment token spans. */
export interface RetrievabilityInput {
  input_ids: ArrayLike<number>;
  answer_span: { start: number; end: number };
  segments: readonly { kind: string; token_start: number; token_end: number }[];
}

export interface QueryRetrievability {
  n_query: number;
  /** Every earlier occurrence at distance >= minDistance lies in evidence (and there is at least one). */
  n_retrievable: number;
  /** Some earlier occurrences in evidence, some outside. */
  n_mixed: number;
  /** Earlier occurrences exist but none in evidence. */
  n_outside: number;
  /** No earlier occurrence at distance >= minDistance. */
  n_unmatched: number;
  /** n_retrievable / n_query (0 when there are no query tokens). */
  fraction: number;
}

export interface Retrievability {
  answer: QueryRetrievability;
  question: QueryRetrievability;
  /** Tokens between the end of the last evidence segment and the first question/answer token; null without evidence. */
  evidence_distance: number | null;
}

/**
 * How well a probe serves a content-matching retrieval head: for each query token (answer tokens;
 * question tokens) are ALL its earlier occurrences of the same id, at least `minDistance` tokens
 * back (the recency notch hides closer ones), inside evidence segments? Example: an answer that
 * repeats rare evidence words scores near 1; one built from common words scores near 0.
 */
export function retrievability(
  probe: RetrievabilityInput,
  minDistance: number = MIN_EVIDENCE_DISTANCE,
): Retrievability {
  const n = probe.input_ids.length;
  const inEvidence = new Uint8Array(n);
  let lastEvidenceEnd = -1;
  for (const s of probe.segments) {
    if (s.kind !== 'evidence') continue;
    inEvidence.fill(1, s.token_start, s.token_end);
    lastEvidenceEnd = Math.max(lastEvidenceEnd, s.token_end);
  }
  const questionPositions: number[] = [];
  for (const s of probe.segments)
    if (s.kind === 'question') for (let t = s.token_start; t < s.token_end; t++) questionPositions.push(t);
  const answerPositions: number[] = [];
  for (let t = probe.answer_span.start; t < probe.answer_span.end; t++) answerPositions.push(t);
  const positionsOf = occurrenceIndex(probe.input_ids);
  const score = (positions: number[]): QueryRetrievability => {
    const r = { n_query: positions.length, n_retrievable: 0, n_mixed: 0, n_outside: 0, n_unmatched: 0, fraction: 0 };
    for (const q of positions) {
      const occ = positionsOf.get(probe.input_ids[q] as number) ?? [];
      let inside = 0;
      let outside = 0;
      for (const p of occ) {
        if (p > q - minDistance) break;
        if (inEvidence[p] === 1) inside++;
        else outside++;
      }
      if (inside + outside === 0) r.n_unmatched++;
      else if (outside === 0) r.n_retrievable++;
      else if (inside === 0) r.n_outside++;
      else r.n_mixed++;
    }
    r.fraction = r.n_query === 0 ? 0 : r.n_retrievable / r.n_query;
    return r;
  };
  const firstQuery = Math.min(questionPositions[0] ?? Infinity, probe.answer_span.start);
  return {
    answer: score(answerPositions),
    question: score(questionPositions),
    evidence_distance: lastEvidenceEnd < 0 || !Number.isFinite(firstQuery) ? null : firstQuery - lastEvidenceEnd,
  };
}

/** Positions of every token id, ascending. */
export function occurrenceIndex(ids: ArrayLike<number>): Map<number, number[]> {
  const index = new Map<number, number[]>();
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t] as number;
    const list = index.get(id);
    if (list === undefined) index.set(id, [t]);
    else list.push(t);
  }
  return index;
}
