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
  counts.forEach((row) =>
    row.forEach((v, j) => {
      colSums[j]! += v;
    }),
  );
  for (const s of rowSums) total += s;
  if (total <= 0) return 0;
  let mi = 0;
  counts.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v > 0) mi += (v / total) * Math.log2((v * total) / (rowSums[i]! * colSums[j]!));
    }),
  );
  return Math.max(0, mi);
}

/** Contingency counts of paired labels: table[x][y] = #{i : xs[i] = x, ys[i] = y}. */
export function contingency(xs: ArrayLike<number>, ys: ArrayLike<number>, nx: number, ny: number): number[][] {
  if (xs.length !== ys.length) throw new Error(`contingency: ${xs.length} x labels but ${ys.length} y labels`);
  const table = Array.from({ length: nx }, () => new Array<number>(ny).fill(0));
  for (let i = 0; i < xs.length; i++) table[xs[i]!]![ys[i]!]!++;
  return table;
}

/**
 * I(X; Y) in bits from a flat row-major count table (`counts[x * ny + y]`) — the allocation-free
 * form used inside bootstrap and permutation loops. Same value as `mutualInformationBits`.
 * @example mutualInformationFlat(Float64Array.of(5, 0, 0, 5), 2, 2) // 1
 */
export function mutualInformationFlat(counts: ArrayLike<number>, nx: number, ny: number): number {
  const rows = new Float64Array(nx);
  const cols = new Float64Array(ny);
  let total = 0;
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) {
      const v = counts[x * ny + y]!;
      rows[x]! += v;
      cols[y]! += v;
      total += v;
    }
  }
  if (total <= 0) return 0;
  let mi = 0;
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) {
      const v = counts[x * ny + y]!;
      if (v > 0) mi += (v / total) * Math.log2((v * total) / (rows[x]! * cols[y]!));
    }
  }
  return Math.max(0, mi);
}
