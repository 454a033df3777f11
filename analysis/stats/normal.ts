/**
 * Standard normal CDF and quantile, for BCa intervals. Accurate to ~1e-7 (erf by Abramowitz–Stegun
 * 7.1.26 refined with one Newton step is not needed at that precision for interval endpoints).
 * @example normalCdf(0) // 0.5; normalQuantile(0.975) // ≈ 1.959964
 */
export function normalCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  // W. J. Cody's rational approximation via erfc would be longer; Zelen & Severo 26.2.17 is 7.5e-8.
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * poly;
  return x >= 0 ? 1 - tail : tail;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9); clamps p to (0, 1). */
export function normalQuantile(p: number): number {
  const q = Math.min(1 - 1e-16, Math.max(1e-16, p));
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo || q > 1 - lo) {
    const s = Math.sqrt(-2 * Math.log(q < lo ? q : 1 - q));
    const x =
      (((((c[0]! * s + c[1]!) * s + c[2]!) * s + c[3]!) * s + c[4]!) * s + c[5]!) /
      ((((d[0]! * s + d[1]!) * s + d[2]!) * s + d[3]!) * s + 1);
    return q < lo ? x : -x;
  }
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}
