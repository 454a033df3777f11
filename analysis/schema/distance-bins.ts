/**
 * Token-distance bins for attention distance profiles: 32 bins, bin 0 is distance 0 (the token
 * itself), bins 1..31 are log-spaced over [1, maxDistance + 1). Bin i covers
 * edges[i] <= distance < edges[i + 1]. Capture and metrics share these edges; never recompute them.
 */
export const N_DISTANCE_BINS = 32;

/** Default longest distance the bins are laid out for (128k context). */
export const DEFAULT_MAX_DISTANCE = 131_072;

/**
 * The 33 bin edges (Int32Array) for distances 0..maxDistance. Rounded log spacing, bumped to stay
 * strictly increasing where rounding would merge the small bins.
 * Example: `distanceBinEdges()` → [0, 1, 2, 3, 4, 5, 7, …, 131073].
 */
export function distanceBinEdges(maxDistance: number = DEFAULT_MAX_DISTANCE): Int32Array {
  if (!Number.isInteger(maxDistance) || maxDistance < N_DISTANCE_BINS - 1 || maxDistance >= 2 ** 31 - 1) {
    throw new RangeError(
      `distanceBinEdges: maxDistance must be an integer in [${N_DISTANCE_BINS - 1}, 2^31 - 2], got ${maxDistance}`,
    );
  }
  const top = maxDistance + 1;
  const edges = new Int32Array(N_DISTANCE_BINS + 1);
  edges[0] = 0;
  const steps = N_DISTANCE_BINS - 1;
  for (let k = 1; k <= N_DISTANCE_BINS; k += 1) {
    const logSpaced = Math.round(top ** ((k - 1) / steps));
    edges[k] = Math.max(logSpaced, (edges[k - 1] ?? 0) + 1);
  }
  edges[N_DISTANCE_BINS] = top;
  return edges;
}

/**
 * The bin of a token distance (query position − key position, ≥ 0). Distances beyond the last
 * edge fall into the last bin. Example: `distanceBin(0, edges) === 0`.
 */
export function distanceBin(distance: number, edges: Int32Array): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((edges[mid] ?? 0) <= distance) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
