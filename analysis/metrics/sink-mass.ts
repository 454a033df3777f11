/**
 * Sink mass: mean over query rows of the attention weight on key position 0 (the first token),
 * from sparse top-k rows. A row that did not keep key 0 counts 0 — so this is a lower bound, exact
 * whenever key 0 is among a row's kept keys (the usual case for a sink, which dominates its row).
 * `rowOf[i]` groups the kept keys by query row.
 * @example sinkMass([0, 0, 1], [0, 5, 3], [0.7, 0.3, 0.9]) // rows: 0.7 and 0 → 0.35
 */
export function sinkMass(rowOf: ArrayLike<number>, keyPos: ArrayLike<number>, weight: ArrayLike<number>): number {
  const seen = new Set<number>();
  let total = 0;
  for (let i = 0; i < rowOf.length; i++) {
    seen.add(rowOf[i]!);
    if (keyPos[i] === 0) total += weight[i]!;
  }
  return seen.size === 0 ? 0 : total / seen.size;
}
