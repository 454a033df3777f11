/**
 * Mutual information I(X; Y) in bits from a contingency table of counts, rows = X, columns = Y.
 * Empty tables and all-zero rows/columns give 0, never NaN.
 * @example mutualInformationBits([[5, 0], [0, 5]]) // 1
 */
export function mutualInformationBits(counts: readonly (readonly number[])[]): number {
  let total = 0;
  const rowSums = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const cols = Math.max(0, ...counts.map((r) => r.length));
  const colSums = new Array<number>(cols).fill(0);
  counts.forEach((row) => row.forEach((v, j) => { colSums[j]! += v; }));
  for (const s of rowSums) total += s;
  if (total <= 0) return 0;
  let mi = 0;
  counts.forEach((row, i) => row.forEach((v, j) => {
    if (v > 0) mi += (v / total) * Math.log2((v * total) / (rowSums[i]! * colSums[j]!));
  }));
  return Math.max(0, mi);
}

/** Contingency counts of paired labels: table[x][y] = #{i : xs[i] = x, ys[i] = y}. */
export function contingency(xs: ArrayLike<number>, ys: ArrayLike<number>, nx: number, ny: number): number[][] {
  if (xs.length !== ys.length) throw new Error(`contingency: ${xs.length} x labels but ${ys.length} y labels`);
  const table = Array.from({ length: nx }, () => new Array<number>(ny).fill(0));
  for (let i = 0; i < xs.length; i++) table[xs[i]!]![ys[i]!]!++;
  return table;
}
