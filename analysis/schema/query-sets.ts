/**
 * Which query rows a per-query-set table aggregates: the gold answer tokens (teacher-forced after
 * the prompt), the last prompt token, the question segment's tokens, or every token.
 */
export const QUERY_SETS = ['answer', 'last', 'question', 'all'] as const;
export type QuerySet = (typeof QUERY_SETS)[number];
