/**
 * Pearson correlation of paired values (optionally weighted by probe multiplicities). 0 when either
 * side has no variance or fewer than two points — never NaN.
 * @example pearson([1, 2, 3], [2, 4, 6]) // 1
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sw = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights?.[i] ?? 1;
    sw += w;
    mx += w * x[i]!;
    my += w * y[i]!;
  }
  if (sw <= 0) return 0;
  mx /= sw;
  my /= sw;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights?.[i] ?? 1;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += w * dx * dy;
    sxx += w * dx * dx;
    syy += w * dy * dy;
  }
  if (sxx <= 1e-300 || syy <= 1e-300) return 0;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks with ties averaged (1-based). @example ranks([10, 20, 20]) // [1, 2.5, 2.5] */
export function ranks(x: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const out = new Float64Array(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]!] === x[idx[i]!]) j++;
    for (let k = i; k <= j; k++) out[idx[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman rank correlation (Pearson on average ranks). @example spearman([1, 2, 3], [1, 4, 9]) // 1 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}
