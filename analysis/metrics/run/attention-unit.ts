import { AccLensError } from '../../errors.ts';
import { OUTSIDE_SEGMENTS } from '../../schema/attention-segments.ts';
import { N_DISTANCE_BINS } from '../../schema/distance-bins.ts';
import type { QuerySet } from '../../schema/query-sets.ts';
import { LOCAL_WINDOW_BINS, distanceEntropyBits, localMass } from '../distance-profile.ts';
import { evidenceLift, mergeSpans, uniformSpanMass, type Span } from '../evidence-lift.ts';
import { segmentSetMass } from '../segment-mass.ts';
import { sinkMass } from '../sink-mass.ts';
import {
  ATTENTION_METRICS,
  asQuerySet,
  cellKey,
  metricIndex,
  type AttentionMetric,
  type CellId,
} from './attention-cells.ts';

const M = ATTENTION_METRICS.length;

/** A probe's segments and total length (prompt + answer tokens). */
export interface ProbeLayout {
  T: number;
  segments: { index: number; kind: string; start: number; end: number }[];
}

/** One (layer, head, query set) of one unit: metric values with a validity flag each, and the distance profile. */
export interface AttentionCell {
  id: CellId;
  values: Float64Array;
  valid: Uint8Array;
  profile: Float64Array | null;
}

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

/** A unit's cells by cellKey. */
export type UnitCells = Map<string, AttentionCell>;

function cell(cells: UnitCells, id: CellId): AttentionCell {
  // Head means are cells too (head HEAD_MEAN = -1): a run's heads must be 0-based to stay apart from them.
  if (!Number.isInteger(id.head) || id.head < 0)
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `attention tables: head ${id.head} in layer ${id.layer} (heads are 0-based)`,
    );
  const key = cellKey(id);
  let c = cells.get(key);
  if (c === undefined) {
    c = { id, values: new Float64Array(M), valid: new Uint8Array(M), profile: null };
    cells.set(key, c);
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

/** Token spans of a query segment (OUTSIDE_SEGMENTS = positions outside every segment, within [0, T)). */
function segmentTokens(layout: ProbeLayout, index: number): Span[] {
  if (index !== OUTSIDE_SEGMENTS)
    return layout.segments.filter((s) => s.index === index).map((s) => ({ start: s.start, end: s.end }));
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

/** Evidence and distractor: the segment indices and token spans of each kind. */
interface Targets {
  evidence: { keys: Set<number>; spans: Span[] };
  distractor: { keys: Set<number>; spans: Span[] };
}

/**
 * Every per-head metric of one unit (model × probe), per (layer, head, query set):
 * evidence/distractor mass and lift from `attention_segments` (answer, question, all) or, for
 * `last`, from `attention_rows` (kept top-k keys: a lower bound); sink mass from `attention_rows`;
 * local mass, binned entropy and the distance profile from `attention_distance`.
 */
export function unitAttention(input: UnitAttentionInput, layout: ProbeLayout): UnitCells {
  const out: UnitCells = new Map();
  const of = (k: string) => layout.segments.filter((s) => s.kind === k);
  const target = (k: string) => ({
    keys: new Set(of(k).map((s) => s.index)),
    spans: of(k).map((s) => ({ start: s.start, end: s.end })),
  });
  const targets: Targets = { evidence: target('evidence'), distractor: target('distractor') };
  if (input.segments !== undefined) segmentMetrics(input.segments, layout, targets, out);
  if (input.rows !== undefined) rowMetrics(input.rows, out, targets);
  if (input.distance !== undefined) distanceMetrics(input.distance, out);
  return out;
}

/**
 * The query segments of each query set that has segments of its own; `last` (one token, not a
 * segment) is measured from `attention_rows` instead.
 */
function segmentQuerySets(layout: ProbeLayout, every: Set<number>): [QuerySet, Set<number>][] {
  const kind = (k: string) => new Set(layout.segments.filter((s) => s.kind === k).map((s) => s.index));
  return [
    ['answer', kind('answer')],
    ['question', kind('question')],
    ['all', every],
  ];
}

function segmentMetrics(
  s: NonNullable<UnitAttentionInput['segments']>,
  layout: ProbeLayout,
  { evidence, distractor }: Targets,
  out: UnitCells,
): void {
  const every = new Set([OUTSIDE_SEGMENTS, ...layout.segments.map((s) => s.index)]);
  const querySets = segmentQuerySets(layout, every);
  const uniform = new Map<number, [number, number]>();
  for (const q of every) {
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
    for (const [querySet, querySegs] of querySets) {
      const ev = segmentSetMass(rows, querySegs, evidence.keys);
      if (ev.nQueries === 0) continue;
      const di = segmentSetMass(rows, querySegs, distractor.keys);
      const [uEv, uDi] = uniformBaseline(rows, querySegs, uniform, ev.nQueries);
      const c = cell(out, { layer: s.layer[start]!, head: s.head[start]!, querySet });
      setMetric(c, 'evidence_mass', ev.mass, true);
      setMetric(c, 'distractor_mass', di.mass, true);
      setMetric(c, 'evidence_lift', evidenceLift(ev.mass, uEv), uEv > 0);
      setMetric(c, 'distractor_lift', evidenceLift(di.mass, uDi), uDi > 0);
    }
  }
}

/** Uniform evidence and distractor mass of the query segments, weighted by the same n_queries as the masses. */
function uniformBaseline(
  rows: { query: ArrayLike<number>; nQueries: ArrayLike<number> },
  querySegs: ReadonlySet<number>,
  uniform: ReadonlyMap<number, [number, number]>,
  nQueries: number,
): [number, number] {
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
  return [uEv / nQueries, uDi / nQueries];
}

const sub = (xs: ArrayLike<number>, s: number, e: number): ArrayLike<number> =>
  'subarray' in xs ? (xs as Float32Array).subarray(s, e) : Array.from(xs).slice(s, e);

function setMetric(c: AttentionCell, m: AttentionMetric, v: number, ok: boolean): void {
  c.values[metricIndex(m)] = ok && Number.isFinite(v) ? v : 0;
  c.valid[metricIndex(m)] = ok && Number.isFinite(v) ? 1 : 0;
}

function rowMetrics(r: NonNullable<UnitAttentionInput['rows']>, out: UnitCells, targets: Targets): void {
  const byCell = new Map<string, { id: CellId; rows: number[] }>();
  for (let i = 0; i < r.layer.length; i++) {
    const querySet = asQuerySet(r.query_set[i]);
    if (querySet === null) continue;
    const id = { layer: r.layer[i]!, head: r.head[i]!, querySet };
    const entry = byCell.get(cellKey(id)) ?? { id, rows: [] };
    entry.rows.push(i);
    byCell.set(cellKey(id), entry);
  }
  const ev = mergeSpans(targets.evidence.spans);
  const di = mergeSpans(targets.distractor.spans);
  for (const { id, rows: idx } of byCell.values()) {
    const c = cell(out, id);
    const pick = (xs: ArrayLike<number>) => idx.map((i) => xs[i]!);
    setMetric(c, 'sink_mass', sinkMass(pick(r.query_pos), pick(r.key_pos), pick(r.weight)), true);
    if (id.querySet === 'last') lastTokenMass(c, pick(r.query_pos), pick(r.key_pos), pick(r.weight), ev, di);
  }
}

/**
 * `last` has no segment of its own: evidence mass from its kept keys (a lower bound), uniform mass
 * from its position.
 */
function lastTokenMass(
  c: AttentionCell,
  query: number[],
  key: number[],
  weight: number[],
  ev: Span[],
  di: Span[],
): void {
  const inside = (spans: Span[], k: number) => spans.some((s) => k >= s.start && k < s.end);
  const queries = [...new Set(query)];
  let mEv = 0;
  let mDi = 0;
  key.forEach((k, i) => {
    if (inside(ev, k)) mEv += weight[i]!;
    if (inside(di, k)) mDi += weight[i]!;
  });
  mEv /= queries.length;
  mDi /= queries.length;
  const uEv = queries.reduce((s, q) => s + uniformSpanMass(ev, q, q + 1), 0) / queries.length;
  const uDi = queries.reduce((s, q) => s + uniformSpanMass(di, q, q + 1), 0) / queries.length;
  setMetric(c, 'evidence_mass', mEv, true);
  setMetric(c, 'distractor_mass', mDi, true);
  setMetric(c, 'evidence_lift', evidenceLift(mEv, uEv), uEv > 0);
  setMetric(c, 'distractor_lift', evidenceLift(mDi, uDi), uDi > 0);
}

function distanceMetrics(d: NonNullable<UnitAttentionInput['distance']>, out: UnitCells): void {
  for (let i = 0; i < d.layer.length; i++) {
    const querySet = asQuerySet(d.query_set[i]);
    const bin = d.bin[i]!;
    if (querySet === null || bin < 0 || bin >= N_DISTANCE_BINS || d.n_queries[i]! <= 0) continue;
    const c = cell(out, { layer: d.layer[i]!, head: d.head[i]!, querySet });
    c.profile ??= new Float64Array(N_DISTANCE_BINS);
    c.profile[bin] = d.mass[i]!;
  }
  for (const c of out.values()) {
    if (c.profile === null) continue;
    setMetric(c, 'local_mass', localMass(c.profile, LOCAL_WINDOW_BINS), true);
    setMetric(c, 'entropy_bits', distanceEntropyBits(c.profile), true);
  }
}
