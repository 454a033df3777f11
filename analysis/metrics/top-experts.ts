/**
 * The paper's top-N: 20 experts at 128; for other expert counts the same share (20/128), at least 1.
 * @example defaultTopN(128) // 20; defaultTopN(16) // 3
 */
export function defaultTopN(nExperts: number): number {
  return Math.max(1, Math.min(nExperts, Math.round((nExperts * 20) / 128)));
}

/**
 * Indices of the n largest values, largest first; ties go to the lower index (as ONNX TopK).
 * Zero-usage experts are never "top": the list stops at the last positive value.
 * @example topN([0.1, 0.5, 0.5, 0], 3) // [1, 2, 0]
 */
export function topN(values: ArrayLike<number>, n: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i).filter((i) => values[i]! > 0);
  idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return idx.slice(0, n);
}

/**
 * Jaccard overlap |A ∩ B| / |A ∪ B| of two expert sets; 0 when both are empty.
 * @example jaccard([1, 2, 3], [2, 3, 4]) // 0.5
 */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 0 : inter / union;
}
