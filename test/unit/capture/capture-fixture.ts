import { distanceBin, distanceBinEdges } from '../../../analysis/schema/distance-bins.ts';
import type { QuerySet } from '../../../analysis/schema/query-sets.ts';
import type { CaptureProbe } from '../../../analysis/capture/query-sets.ts';
import { querySetPositions } from '../../../analysis/capture/query-sets.ts';
import type { UnitTables } from '../../../analysis/io/run-writer.ts';

const EDGES = distanceBinEdges();

/** A probe over `ids` with question/evidence/distractor segments and a 6-token answer at the end. */
export function syntheticProbe(ids: number[], id = 'p'): CaptureProbe {
  const T = ids.length;
  return {
    id,
    input_ids: Int32Array.from(ids),
    prompt_tokens: T - 6,
    answer_span: { start: T - 6, end: T },
    segments: [
      { kind: 'evidence', token_start: 5, token_end: 20 },
      { kind: 'distractor', token_start: 25, token_end: 40 },
      { kind: 'evidence', token_start: 15, token_end: 30 }, // overlaps both: each segment counts its own tokens
      { kind: 'question', token_start: T - 16, token_end: T - 8 },
      { kind: 'answer', token_start: T - 6, token_end: T },
    ],
  };
}

/** probs: [H, T, T] row-major (the oracle's layout); returns plain-JS reductions for one layer. */
export function referenceReductions(probs: ArrayLike<number>, H: number, p: CaptureProbe) {
  const T = p.input_ids.length;
  const row = (h: number, q: number) => Array.from({ length: T }, (_, j) => Number(probs[(h * T + q) * T + j]!));
  const inSeg = (g: number, t: number) =>
    g < 0
      ? p.segments.every((s) => t < s.token_start || t >= s.token_end)
      : t >= p.segments[g]!.token_start && t < p.segments[g]!.token_end;
  const segmentMass = (h: number, qg: number, kg: number): number => {
    const qs = Array.from({ length: T }, (_, t) => t).filter((t) => inSeg(qg, t));
    return qs.reduce((s, q) => s + row(h, q).reduce((a, w, j) => a + (inSeg(kg, j) ? w : 0), 0), 0) / qs.length;
  };
  const distance = (h: number, set: QuerySet): Float64Array => {
    const qs = querySetPositions(p).get(set)!;
    const out = new Float64Array(32);
    for (const q of qs)
      row(h, q).forEach((w, j) => {
        if (j <= q) out[distanceBin(q - j, EDGES)]! += w / qs.length;
      });
    return out;
  };
  return { row, segmentMass, distance };
}

/** Rows of a decoded unit table as objects. */
export function rowsOf<T extends Record<string, ArrayLike<unknown>>>(
  batch: T,
): { [K in keyof T]: T[K] extends ArrayLike<infer V> ? V : never }[] {
  const keys = Object.keys(batch) as (keyof T)[];
  const n = (batch[keys[0]!] as ArrayLike<unknown>).length;
  return Array.from(
    { length: n },
    (_, i) => Object.fromEntries(keys.map((k) => [k, (batch[k] as ArrayLike<unknown>)[i]])) as never,
  );
}

export type Tables = UnitTables;
