import { N_DISTANCE_BINS } from '../../schema/distance-bins.ts';
import { ATTENTION_METRICS, HEAD_MEAN, cellKey, compareCells, type CellId } from './attention-cells.ts';
import type { UnitCells } from './attention-unit.ts';

const M = ATTENTION_METRICS.length;
const BINS = N_DISTANCE_BINS;

/**
 * One cell across probes and both models: `v[model][metric * P + probe]` with validity `ok` likewise,
 * `profile[model][probe * BINS + bin]` with validity `pok[model][probe]`.
 */
export interface CellData {
  id: CellId;
  v: [Float64Array, Float64Array];
  ok: [Uint8Array, Uint8Array];
  profile: [Float64Array, Float64Array];
  pok: [Uint8Array, Uint8Array];
}

/** Per model (base, tuned), per probe: that unit's cells, or null when the unit has no attention tables. */
export type UnitsByModel = [(UnitCells | null)[], (UnitCells | null)[]];

/** Every cell of every unit, plus a head-mean cell (head HEAD_MEAN) per layer and query set, sorted by compareCells. */
export function gatherCells(units: UnitsByModel, P: number): CellData[] {
  const data = new Map<string, CellData>();
  const get = (id: CellId): CellData => {
    const key = cellKey(id);
    let d = data.get(key);
    if (d === undefined) {
      d = {
        id,
        v: [new Float64Array(M * P), new Float64Array(M * P)],
        ok: [new Uint8Array(M * P), new Uint8Array(M * P)],
        profile: [new Float64Array(BINS * P), new Float64Array(BINS * P)],
        pok: [new Uint8Array(P), new Uint8Array(P)],
      };
      data.set(key, d);
    }
    return d;
  };
  units.forEach((perProbe, m) =>
    perProbe.forEach((cells, i) => {
      for (const c of cells?.values() ?? []) {
        const d = get(c.id);
        for (let k = 0; k < M; k++) {
          d.v[m]![k * P + i] = c.values[k]!;
          d.ok[m]![k * P + i] = c.valid[k]!;
        }
        if (c.profile !== null) {
          d.profile[m]!.set(c.profile, i * BINS);
          d.pok[m]![i] = 1;
        }
      }
    }),
  );
  const members = new Map<string, CellData[]>();
  for (const d of data.values()) {
    const mean = { ...d.id, head: HEAD_MEAN };
    members.set(cellKey(mean), [...(members.get(cellKey(mean)) ?? []), d]);
  }
  for (const heads of members.values()) headMean(get({ ...heads[0]!.id, head: HEAD_MEAN }), heads, P);
  return [...data.values()].sort((a, b) => compareCells(a.id, b.id));
}

/** Per probe and model, the mean over the heads that have the metric (and the mean profile over those with one). */
function headMean(d: CellData, heads: readonly CellData[], P: number): void {
  for (let m = 0; m < 2; m++) {
    for (let j = 0; j < M * P; j++) {
      let s = 0;
      let n = 0;
      for (const c of heads)
        if (c.ok[m]![j]) {
          s += c.v[m]![j]!;
          n++;
        }
      d.v[m]![j] = n > 0 ? s / n : 0;
      d.ok[m]![j] = n > 0 ? 1 : 0;
    }
    for (let i = 0; i < P; i++) {
      let n = 0;
      for (const c of heads) {
        if (!c.pok[m]![i]) continue;
        n++;
        for (let b = 0; b < BINS; b++) d.profile[m]![i * BINS + b]! += c.profile[m]![i * BINS + b]!;
      }
      if (n > 0) for (let b = 0; b < BINS; b++) d.profile[m]![i * BINS + b]! /= n;
      d.pok[m]![i] = n > 0 ? 1 : 0;
    }
  }
}

/** The P per-probe values of one metric in a `[metric * P + probe]` array (a view). */
export const metricSlice = <A extends Float64Array | Uint8Array>(x: A, metric: number, P: number): A =>
  x.subarray(metric * P, (metric + 1) * P) as A;
