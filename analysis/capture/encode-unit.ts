import type { UnitTables } from '../io/run-writer.ts';
import { distanceBinEdges, N_DISTANCE_BINS } from '../schema/distance-bins.ts';
import type { QuerySet } from '../schema/query-sets.ts';
import type { UnitAccumulator } from './accumulate.ts';
import type { ProbeFeeds } from './chunk-feeds.ts';
import type { CapturePlan } from './plan.ts';

const EDGES = distanceBinEdges();

/** Growable column set: typed columns are copied once at the end. */
function columns<K extends string>(
  names: readonly K[],
): { push(row: Record<K, number | string>): void; out: Record<K, (number | string)[]> } {
  const out = Object.fromEntries(names.map((n) => [n, [] as (number | string)[]])) as Record<K, (number | string)[]>;
  return {
    out,
    push: (row) => {
      for (const n of names) out[n].push(row[n]);
    },
  };
}

/**
 * Turns a probe's accumulated chunk results into the run store's unit tables (docs/run-store.md):
 * means over query tokens for segments and distance, top-k (or full) rows with their kept mass,
 * routing per token, answer log-probs.
 * Example: `await run.writeUnit('base', p.id, encodeUnit(acc, feeds, plan))`.
 */
export function encodeUnit(acc: UnitAccumulator, pf: ProbeFeeds, plan: CapturePlan): UnitTables {
  const tables: UnitTables = {};
  const H = acc.heads;
  if (plan.segments && acc.segmentSums.size > 0) {
    const c = columns(['layer', 'head', 'query_segment', 'key_segment', 'mass', 'n_queries'] as const);
    const { groups: G, counts } = pf.membership;
    for (const [L, sums] of [...acc.segmentSums].sort(([a], [b]) => a - b)) {
      for (let h = 0; h < H; h++)
        for (let q = 0; q < G; q++) {
          if (counts[q]! === 0) continue;
          for (let k = 0; k < G; k++)
            c.push({
              layer: L,
              head: h,
              query_segment: q - 1,
              key_segment: k - 1,
              mass: sums[(h * G + q) * G + k]! / counts[q]!,
              n_queries: counts[q]!,
            });
        }
    }
    tables.attention_segments = c.out as never;
  }
  if (plan.distance && acc.distanceSums.size > 0) {
    const c = columns(['layer', 'head', 'query_set', 'bin', 'bin_lo', 'bin_hi', 'mass', 'n_queries'] as const);
    const sets = plan.distance.query_sets;
    for (const [L, sums] of [...acc.distanceSums].sort(([a], [b]) => a - b)) {
      for (let h = 0; h < H; h++)
        sets.forEach((set, s) => {
          const n = pf.sets.get(set)!.length;
          if (n === 0) return;
          for (let b = 0; b < N_DISTANCE_BINS; b++)
            c.push({
              layer: L,
              head: h,
              query_set: set,
              bin: b,
              bin_lo: EDGES[b]!,
              bin_hi: EDGES[b + 1]!,
              mass: sums[(h * sets.length + s) * N_DISTANCE_BINS + b]! / n,
              n_queries: n,
            });
        });
    }
    tables.attention_distance = c.out as never;
  }
  if (plan.rows && acc.rows.size > 0) tables.attention_rows = encodeRows(acc, pf, plan.rows) as never;
  if (plan.routing && acc.routing.size > 0) {
    const c = columns(['layer', 'position', 'rank', 'expert', 'gate'] as const);
    for (const [L, r] of [...acc.routing].sort(([a], [b]) => a - b)) {
      for (let i = 0; i < r.experts.length; i++)
        c.push({ layer: L, position: Math.floor(i / r.k), rank: i % r.k, expert: r.experts[i]!, gate: r.gates[i]! });
    }
    tables.routing = c.out as never;
  }
  if (plan.router_probs && acc.routerProbs.size > 0) {
    const c = columns(['layer', 'position', 'expert', 'prob'] as const);
    for (const [L, r] of [...acc.routerProbs].sort(([a], [b]) => a - b)) {
      for (let i = 0; i < r.probs.length; i++)
        c.push({ layer: L, position: Math.floor(i / r.experts), expert: i % r.experts, prob: r.probs[i]! });
    }
    tables.router_probs = c.out as never;
  }
  if (plan.answer_logprobs) {
    const c = columns(['answer_index', 'position', 'token_id', 'logprob'] as const);
    const { start } = pf.probe.answer_span;
    for (const [p, lp] of [...acc.logprobs].sort(([a], [b]) => a - b))
      c.push({ answer_index: p - start, position: p, token_id: pf.probe.input_ids[p]!, logprob: lp });
    tables.answer_logprobs = c.out as never;
  }
  return tables;
}

function encodeRows(acc: UnitAccumulator, pf: ProbeFeeds, rows: NonNullable<CapturePlan['rows']>) {
  const c = columns(['layer', 'head', 'query_set', 'query_pos', 'key_pos', 'weight', 'row_mass_kept'] as const);
  const setsOf = new Map<number, QuerySet[]>();
  for (const s of rows.query_sets) for (const p of pf.sets.get(s)!) setsOf.set(p, [...(setsOf.get(p) ?? []), s]);
  for (const [L, list] of [...acc.rows].sort(([a], [b]) => a - b)) {
    for (const row of list)
      for (let h = 0; h < row.heads; h++) {
        const kept: [number, number][] = [];
        for (let j = 0; j < row.width; j++) {
          const key = row.keys ? row.keys[h * row.width + j]! : j,
            w = row.weights[h * row.width + j]!;
          // Keys after the query are masked (weight 0); full rows keep every visible key, top-k rows those ≥ min_weight.
          if (key > row.position || (!rows.full && w < rows.min_weight)) continue;
          kept.push([key, w]);
        }
        let mass = 0;
        for (const [, w] of kept) mass += w;
        for (const set of setsOf.get(row.position) ?? [])
          for (const [key, w] of kept)
            c.push({
              layer: L,
              head: h,
              query_set: set,
              query_pos: row.position,
              key_pos: key,
              weight: w,
              row_mass_kept: mass,
            });
      }
  }
  return c.out;
}
