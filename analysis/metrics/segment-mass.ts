/**
 * Mean attention mass that a set of query segments puts on a set of key segments, from
 * segment-pooled rows (`attention_segments`): Σ over the chosen query segments of n_queries ×
 * (Σ of mass over the chosen key segments), divided by Σ n_queries. Rows are grouped by the caller
 * to one (layer, head). 0 with no matching query segment (callers mark that as missing).
 * @example segmentSetMass({ query: [0, 0], key: [1, 2], mass: [0.2, 0.3], nQueries: [4, 4] }, new Set([0]), new Set([2])) // 0.3
 */
export function segmentSetMass(
  rows: { query: ArrayLike<number>; key: ArrayLike<number>; mass: ArrayLike<number>; nQueries: ArrayLike<number> },
  querySegments: ReadonlySet<number>,
  keySegments: ReadonlySet<number>,
): { mass: number; nQueries: number } {
  const counted = new Map<number, number>();
  let weighted = 0;
  for (let i = 0; i < rows.query.length; i++) {
    const q = rows.query[i]!;
    if (!querySegments.has(q)) continue;
    if (!counted.has(q)) counted.set(q, rows.nQueries[i]!);
    if (keySegments.has(rows.key[i]!)) weighted += rows.nQueries[i]! * rows.mass[i]!;
  }
  let n = 0;
  for (const v of counted.values()) n += v;
  return { mass: n > 0 ? weighted / n : 0, nQueries: n };
}
