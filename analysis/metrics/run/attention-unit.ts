import { LOCAL_WINDOW_BINS, distanceEntropyBits, localMass } from '../distance-profile.ts';
import { evidenceLift, mergeSpans, uniformSpanMass, type Span } from '../evidence-lift.ts';
import { segmentSetMass } from '../segment-mass.ts';
import { sinkMass } from '../sink-mass.ts';

/** Query sets in the run store's order (analysis/schema/query-sets.ts). */
export const QUERY_SET_NAMES = ['answer', 'last', 'question', 'all'] as const;
/** Per-head attention metrics, in column order of a cell's values. */
export const ATTENTION_METRICS = [
  'evidence_mass',
  'evidence_lift',
  'distractor_mass',
  'distractor_lift',
  'sink_mass',
  'local_mass',
  'entropy_bits',
] as const;
export type AttentionMetric = (typeof ATTENTION_METRICS)[number];
const M = ATTENTION_METRICS.length;
const at = (m: AttentionMetric) => ATTENTION_METRICS.indexOf(m);

/** A probe's segments and total length (prompt + answer tokens). */
export interface ProbeLayout {
  T: number;
  segments: { index: number; kind: string; start: number; end: number }[];
}

/** One (layer, head, query set) of one unit: metric values with a validity flag each, and the distance profile. */
export interface AttentionCell {
  values: Float64Array;
  valid: Uint8Array;
  profile: Float64Array | null;
}

export const cellKey = (layer: number, head: number, qs: number): number => (layer * 1024 + head) * 8 + qs;
export const cellOf = (key: number) => ({
  layer: Math.floor(key / 8192),
  head: Math.floor(key / 8) % 1024,
  qs: key % 8,
});

export interface UnitAttentionInput {
  segments?: {
    layer: ArrayLike<number>;
    head: ArrayLike<number>;
    query_segment: ArrayLike<number>;
    key_segment: ArrayLike<number>;
    mass: ArrayLike<number>;
    n_queries: ArrayLike<number>;
  };
  distance?: {
    layer: ArrayLike<number>;
    head: ArrayLike<number>;
    query_set: readonly (string | null)[];
    bin: ArrayLike<number>;
    mass: ArrayLike<number>;
    n_queries: ArrayLike<number>;
  };
  rows?: {
    layer: ArrayLike<number>;
    head: ArrayLike<number>;
    query_set: readonly (string | null)[];
    query_pos: ArrayLike<number>;
    key_pos: ArrayLike<number>;
    weight: ArrayLike<number>;
  };
}

function cell(map: Map<number, AttentionCell>, key: number): AttentionCell {
  let c = map.get(key);
  if (c === undefined) {
    c = { values: new Float64Array(M), valid: new Uint8Array(M), profile: null };
    map.set(key, c);
  }
  return c;
}

/** Runs [start, end) of equal (layer, head) in rows sorted by layer then head. */
function* groups(layer: ArrayLike<number>, head: ArrayLike<number>): Generator<[number, number]> {
  for (let s = 0; s < layer.length;) {
    let e = s + 1;
    while (e < layer.length && layer[e] === layer[s] && head[e] === head[s]) e++;
    yield [s, e];
    s = e;
  }
}

/** Token spans of a query segment (−1 = positions outside every segment, within [0, T)). */
function segmentTokens(layout: ProbeLayout, index: number): Span[] {
  if (index >= 0) return layout.segments.filter((s) => s.index === index).map((s) => ({ start: s.start, end: s.end }));
  const out: Span[] = [];
  let cursor = 0;
  for (const s of mergeSpans(layout.segments)) {
    if (s.start > cursor) out.push({ start: cursor, end: s.start });
    cursor = Math.max(cursor, s.end);
  }
  if (cursor < layout.T) out.push({ start: cursor, end: layout.T });
  return out;
}

function meanUniform(spans: readonly Span[], tokens: readonly Span[]): number {
  let total = 0;
  let n = 0;
  for (const t of tokens) {
    total += uniformSpanMass(spans, t.start, t.end) * (t.end - t.start);
    n += t.end - t.start;
  }
  return n > 0 ? total / n : 0;
}

/**
 * Every per-head metric of one unit (model × probe), per (layer, head, query set):
 * evidence/distractor mass and lift from `attention_segments` (answer, question, all) or, for
 * `last`, from `attention_rows` (kept top-k keys: a lower bound); sink mass from `attention_rows`;
 * local mass, binned entropy and the distance profile from `attention_distance`.
 */
export function unitAttention(input: UnitAttentionInput, layout: ProbeLayout): Map<number, AttentionCell> {
  const out = new Map<number, AttentionCell>();
  const kinds = (k: string) => new Set(layout.segments.filter((s) => s.kind === k).map((s) => s.index));
  const spansOf = (k: string) =>
    layout.segments.filter((s) => s.kind === k).map((s) => ({ start: s.start, end: s.end }));
  const evidence = { keys: kinds('evidence'), spans: spansOf('evidence') };
  const distractor = { keys: kinds('distractor'), spans: spansOf('distractor') };
  const allSegments = new Set([-1, ...layout.segments.map((s) => s.index)]);
  const querySets: [number, Set<number>][] = [
    [0, kinds('answer')],
    [2, kinds('question')],
    [3, allSegments],
  ];
  if (input.segments !== undefined) {
    const s = input.segments;
    const uniform = new Map<number, [number, number]>();
    for (const q of allSegments) {
      const tokens = segmentTokens(layout, q);
      uniform.set(q, [meanUniform(evidence.spans, tokens), meanUniform(distractor.spans, tokens)]);
    }
    for (const [start, end] of groups(s.layer, s.head)) {
      const rows = {
        query: sub(s.query_segment, start, end),
        key: sub(s.key_segment, start, end),
        mass: sub(s.mass, start, end),
        nQueries: sub(s.n_queries, start, end),
      };
      for (const [qs, querySegs] of querySets) {
        const ev = segmentSetMass(rows, querySegs, evidence.keys);
        if (ev.nQueries === 0) continue;
        const di = segmentSetMass(rows, querySegs, distractor.keys);
        // Uniform baseline weighted by the same n_queries as the masses.
        let uEv = 0;
        let uDi = 0;
        const seen = new Set<number>();
        for (let i = 0; i < rows.query.length; i++) {
          const q = rows.query[i]!;
          if (!querySegs.has(q) || seen.has(q)) continue;
          seen.add(q);
          const [a, b] = uniform.get(q) ?? [0, 0];
          uEv += a * rows.nQueries[i]!;
          uDi += b * rows.nQueries[i]!;
        }
        uEv /= ev.nQueries;
        uDi /= ev.nQueries;
        const c = cell(out, cellKey(s.layer[start]!, s.head[start]!, qs));
        setMetric(c, 'evidence_mass', ev.mass, true);
        setMetric(c, 'distractor_mass', di.mass, true);
        setMetric(c, 'evidence_lift', evidenceLift(ev.mass, uEv), uEv > 0);
        setMetric(c, 'distractor_lift', evidenceLift(di.mass, uDi), uDi > 0);
      }
    }
  }
  if (input.rows !== undefined) rowMetrics(input.rows, out, evidence.spans, distractor.spans);
  if (input.distance !== undefined) distanceMetrics(input.distance, out);
  return out;
}

const sub = (xs: ArrayLike<number>, s: number, e: number): ArrayLike<number> =>
  'subarray' in xs ? (xs as Float32Array).subarray(s, e) : Array.from(xs).slice(s, e);

function setMetric(c: AttentionCell, m: AttentionMetric, v: number, ok: boolean): void {
  c.values[at(m)] = ok && Number.isFinite(v) ? v : 0;
  c.valid[at(m)] = ok && Number.isFinite(v) ? 1 : 0;
}

function rowMetrics(
  r: NonNullable<UnitAttentionInput['rows']>,
  out: Map<number, AttentionCell>,
  evidence: Span[],
  distractor: Span[],
): void {
  const ev = mergeSpans(evidence);
  const di = mergeSpans(distractor);
  const inside = (spans: Span[], k: number) => spans.some((s) => k >= s.start && k < s.end);
  const byCell = new Map<number, number[]>();
  for (let i = 0; i < r.layer.length; i++) {
    const qs = QUERY_SET_NAMES.indexOf(r.query_set[i] as never);
    if (qs < 0) continue;
    const key = cellKey(r.layer[i]!, r.head[i]!, qs);
    const list = byCell.get(key) ?? [];
    list.push(i);
    byCell.set(key, list);
  }
  for (const [key, idx] of byCell) {
    const c = cell(out, key);
    setMetric(
      c,
      'sink_mass',
      sinkMass(
        idx.map((i) => r.query_pos[i]!),
        idx.map((i) => r.key_pos[i]!),
        idx.map((i) => r.weight[i]!),
      ),
      true,
    );
    if (cellOf(key).qs !== 1) continue;
    // `last` has no segment of its own: evidence mass from its kept keys (lower bound), uniform from its position.
    const queries = [...new Set(idx.map((i) => r.query_pos[i]!))];
    let mEv = 0;
    let mDi = 0;
    for (const i of idx) {
      if (inside(ev, r.key_pos[i]!)) mEv += r.weight[i]!;
      if (inside(di, r.key_pos[i]!)) mDi += r.weight[i]!;
    }
    mEv /= queries.length;
    mDi /= queries.length;
    const uEv = queries.reduce((s, q) => s + uniformSpanMass(ev, q, q + 1), 0) / queries.length;
    const uDi = queries.reduce((s, q) => s + uniformSpanMass(di, q, q + 1), 0) / queries.length;
    setMetric(c, 'evidence_mass', mEv, true);
    setMetric(c, 'distractor_mass', mDi, true);
    setMetric(c, 'evidence_lift', evidenceLift(mEv, uEv), uEv > 0);
    setMetric(c, 'distractor_lift', evidenceLift(mDi, uDi), uDi > 0);
  }
}

function distanceMetrics(d: NonNullable<UnitAttentionInput['distance']>, out: Map<number, AttentionCell>): void {
  for (let i = 0; i < d.layer.length; i++) {
    const qs = QUERY_SET_NAMES.indexOf(d.query_set[i] as never);
    const bin = d.bin[i]!;
    if (qs < 0 || bin < 0 || bin >= 32 || d.n_queries[i]! <= 0) continue;
    const c = cell(out, cellKey(d.layer[i]!, d.head[i]!, qs));
    c.profile ??= new Float64Array(32);
    c.profile[bin] = d.mass[i]!;
  }
  for (const c of out.values()) {
    if (c.profile === null) continue;
    setMetric(c, 'local_mass', localMass(c.profile, LOCAL_WINDOW_BINS), true);
    setMetric(c, 'entropy_bits', distanceEntropyBits(c.profile), true);
  }
}
