/**
 * One unit's routing as dense typed arrays: experts[(l * T + t) * K + r] is the expert at rank r of
 * token t in layer slot l (−1 where the token has no row), gates likewise. Built once per unit from
 * the `routing` table's columns so every routing metric loops over flat arrays, not row objects.
 * Dims: [layer_slot, position, rank].
 */
export interface RoutingGrid {
  layers: readonly number[];
  T: number;
  K: number;
  experts: Int16Array;
  gates: Float32Array;
}

/** Columns of the `routing` table (any typed or plain arrays). */
export interface RoutingColumns {
  layer: ArrayLike<number>;
  position: ArrayLike<number>;
  rank: ArrayLike<number>;
  expert: ArrayLike<number>;
  gate: ArrayLike<number>;
}

/**
 * Builds the grid for the given layer order; rows of other layers are ignored. T and K default to
 * what the rows show (max position + 1, max rank + 1).
 * @example routingGrid({ layer: [0, 0], position: [0, 0], rank: [0, 1], expert: [3, 5], gate: [0.6, 0.4] }, [0]).experts // [3, 5]
 */
export function routingGrid(cols: RoutingColumns, layers: readonly number[], T?: number, K?: number): RoutingGrid {
  const n = cols.layer.length;
  let maxPos = -1;
  let maxRank = -1;
  for (let i = 0; i < n; i++) {
    if (cols.position[i]! > maxPos) maxPos = cols.position[i]!;
    if (cols.rank[i]! > maxRank) maxRank = cols.rank[i]!;
  }
  const t = T ?? maxPos + 1;
  const k = K ?? maxRank + 1;
  const slot = new Map(layers.map((l, i) => [l, i]));
  const experts = new Int16Array(layers.length * t * k).fill(-1);
  const gates = new Float32Array(layers.length * t * k);
  for (let i = 0; i < n; i++) {
    const s = slot.get(cols.layer[i]!);
    const p = cols.position[i]!;
    const r = cols.rank[i]!;
    if (s === undefined || p >= t || r >= k) continue;
    const at = (s * t + p) * k + r;
    experts[at] = cols.expert[i]!;
    gates[at] = cols.gate[i]!;
  }
  return { layers, T: t, K: k, experts, gates };
}
