import { distanceBinEdges, N_DISTANCE_BINS } from '../schema/distance-bins.ts';
import type { QuerySet } from '../schema/query-sets.ts';
import { LOGIT_POSITIONS, TARGET_IDS } from './logit-head.ts';
import type { CapturePlan } from './plan.ts';
import { querySetPositions, segmentMembership, type CaptureProbe } from './query-sets.ts';
import { distanceOverAll, IN, type ReducedLayout } from './reduce-graph.ts';
import type { NamedTensor } from './session.ts';

/** Which rows of a chunk were selected, so the run loop can map graph outputs back to positions. */
export interface ChunkSelection {
  rowPositions: Int32Array; // absolute positions of the gathered rows (empty when only a dummy row was fed)
  logitPositions: Int32Array; // absolute positions p − 1 of the answer tokens p whose log-probs the chunk returns
}

/** Everything a probe's chunks need, computed once per probe (shared by both models). */
export interface ProbeFeeds {
  probe: CaptureProbe;
  sets: Map<QuerySet, Int32Array>;
  membership: ReturnType<typeof segmentMembership>;
  rowPositions: Int32Array; // union of the rows' query sets, ascending
  feeds(
    start: number,
    length: number,
    layout: ReducedLayout,
  ): { feeds: Record<string, NamedTensor>; selection: ChunkSelection };
}

const EDGES = distanceBinEdges();
const i64 = (values: ArrayLike<number>, dims: number[]): NamedTensor => ({
  data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
  dims,
});
const inRange = (a: Int32Array, lo: number, hi: number): Int32Array => a.filter((p) => p >= lo && p < hi);

/**
 * Builds the per-chunk reduction inputs of a probe: segment indicators, distance-edge indices, query-set
 * indicators, selected rows, logit rows and targets.
 * Example: `probeFeeds(p, plan).feeds(0, 1024, layout).feeds['acc_lens.in.row_index']`.
 */
export function probeFeeds(probe: CaptureProbe, plan: CapturePlan): ProbeFeeds {
  const sets = querySetPositions(probe);
  const membership = segmentMembership(probe);
  const rowSets = new Set<number>();
  for (const s of plan.rows?.query_sets ?? []) for (const p of sets.get(s)!) rowSets.add(p);
  const rowPositions = Int32Array.from([...rowSets].sort((a, b) => a - b));
  const answer = sets.get('answer')!.filter((p) => p >= 1);
  const distanceSets = plan.distance?.query_sets ?? [];
  const distancePositions = Int32Array.from(
    [...new Set(distanceSets.flatMap((s) => Array.from(sets.get(s)!)))].sort((a, b) => a - b),
  );
  const setMask = distanceSets.map((s) => {
    const m = new Uint8Array(probe.input_ids.length);
    for (const p of sets.get(s)!) m[p] = 1;
    return m;
  });
  return {
    probe,
    sets,
    membership,
    rowPositions,
    feeds(start, S, layout) {
      const T = start + S,
        G = membership.groups,
        f: Record<string, NamedTensor> = {};
      const attention = layout.attentionLayers.length > 0;
      if (attention && plan.segments) {
        f[IN.keySegments] = { data: membership.keyMatrix.subarray(0, T * G), dims: [T, G] };
        const q = new Float32Array(G * S); // [G, S]
        for (let s = 0; s < S; s++)
          for (let g = 0; g < G; g++) q[g * S + s] = membership.keyMatrix[(start + s) * G + g]!;
        f[IN.querySegments] = { data: q, dims: [G, S] };
      }
      if (attention && plan.distance) {
        // Rows (chunk-local) the distance reduction sees: every row with `all`, else the sets' rows (row 0 as an inert dummy when none).
        const picked = distanceOverAll(plan)
          ? Int32Array.from({ length: S }, (_, s) => s)
          : inRange(distancePositions, start, T).map((p) => p - start);
        const local = picked.length > 0 ? picked : Int32Array.of(0),
          D = local.length;
        if (!distanceOverAll(plan)) f[IN.distanceRows] = i64(local, [D]);
        const E = N_DISTANCE_BINS + 1,
          idx = new Array<number>(D * E),
          valid = new Float32Array(D * E);
        for (let r = 0; r < D; r++)
          for (let b = 0; b < E; b++) {
            const d = start + local[r]! - EDGES[b]!;
            idx[r * E + b] = Math.max(d, 0);
            valid[r * E + b] = d >= 0 ? 1 : 0;
          }
        f[IN.distanceIndex] = i64(idx, [1, 1, D, E]);
        f[IN.distanceValid] = { data: valid, dims: [1, 1, D, E] };
        const qs = new Float32Array(distanceSets.length * D);
        if (picked.length > 0)
          setMask.forEach((m, k) => {
            for (let r = 0; r < D; r++) qs[k * D + r] = m[start + local[r]!]!;
          });
        f[IN.querySets] = { data: qs, dims: [distanceSets.length, D] };
      }
      let rows: Int32Array = new Int32Array(0);
      if (attention && plan.rows) {
        rows = inRange(rowPositions, start, T);
        f[IN.rowIndex] = i64(rows.length > 0 ? rows.map((p) => p - start) : [0], [Math.max(rows.length, 1)]);
        if (!plan.rows.full) f[IN.rowK] = i64([Math.min(plan.rows.k, T)], [1]);
      }
      // The row at p − 1 predicts answer token p.
      const logitPositions = inRange(
        answer.map((p) => p - 1),
        start,
        T,
      );
      const local = logitPositions.length > 0 ? Array.from(logitPositions, (p) => p - start) : [S - 1];
      if (layout.narrowedHead) f[LOGIT_POSITIONS] = i64(local, [local.length]);
      if (layout.narrowedHead && plan.answer_logprobs)
        f[TARGET_IDS] = i64(
          logitPositions.length > 0 ? Array.from(logitPositions, (p) => probe.input_ids[p + 1]!) : [0],
          [local.length, 1],
        );
      return { feeds: f, selection: { rowPositions: rows, logitPositions } };
    },
  };
}
