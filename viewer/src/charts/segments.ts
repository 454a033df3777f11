/** A probe segment in token space, as the strips draw it. */
export interface StripSegment {
  kind: string;
  label: string | null;
  start: number;
  end: number;
}

/** Segment kinds in legend order (evidence first: it is what the strips are about). */
export const SEGMENT_ORDER = ['evidence', 'question', 'answer', 'distractor', 'tool_response', 'system', 'filler'];

/** The kinds present, in legend order (unknown kinds last, alphabetically). */
export function kindsPresent(segments: readonly StripSegment[]): string[] {
  const kinds = new Set(segments.map((s) => s.kind));
  const known = SEGMENT_ORDER.filter((k) => kinds.has(k));
  return [...known, ...[...kinds].filter((k) => !SEGMENT_ORDER.includes(k)).sort()];
}
