/** A half-open token span [start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Mean over the query positions [qStart, qEnd) of the mass a uniform distribution over the visible
 * keys would put on `spans`: a query at position q sees the q + 1 keys 0..q (causal attention,
 * itself included), so its uniform mass is |spans ∩ [0, q]| / (q + 1). Overlapping spans count once.
 * @example uniformSpanMass([{ start: 0, end: 2 }], 3, 4) // 2 of the 4 keys 0..3 → 0.5
 */
export function uniformSpanMass(spans: readonly Span[], qStart: number, qEnd: number): number {
  if (qEnd <= qStart) return 0;
  const merged = mergeSpans(spans);
  let total = 0;
  for (let q = qStart; q < qEnd; q++) {
    let covered = 0;
    for (const s of merged) {
      if (s.start > q) break;
      covered += Math.min(q + 1, s.end) - s.start;
    }
    total += covered / (q + 1);
  }
  return total / (qEnd - qStart);
}

/** Sorted, non-overlapping union of spans (empty spans dropped). */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans
    .filter((s) => s.end > s.start)
    .map((s) => ({ ...s }))
    .sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push(s);
  }
  return out;
}

/**
 * Evidence lift: attention mass on the evidence divided by the uniform baseline's mass. 1 = no
 * preference, 0 when the baseline is 0 (no evidence visible — callers mark such probes as missing).
 * @example evidenceLift(0.5, 0.01) // 50
 */
export function evidenceLift(mass: number, uniformMass: number): number {
  return uniformMass > 0 ? mass / uniformMass : 0;
}
