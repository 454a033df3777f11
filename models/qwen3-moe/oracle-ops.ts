/**
 * Building blocks of the plain-TypeScript forward pass. Storage is float32; sums run in
 * float64 (JS numbers) and are rounded once when stored.
 */

/** RMSNorm of x [n] with gain g [n]: x / sqrt(mean(x²) + eps) · g. */
export function rmsNorm(x: Float32Array, gain: Float32Array, eps: number): Float32Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const r = 1 / Math.sqrt(ss / x.length + eps);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * r * gain[i]!;
  return out;
}

/** y [out] = W·x for W [out, in] row-major (nn.Linear layout). */
export function linear(w: Float32Array, x: Float32Array, out: number): Float32Array {
  const n = x.length;
  const y = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    const base = o * n;
    for (let i = 0; i < n; i++) s += w[base + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

/** Softmax over x [n], computed in float64 with max subtraction. */
export function softmax(x: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  const out = new Float64Array(x.length);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += out[i] = Math.exp(x[i]! - m);
  for (let i = 0; i < x.length; i++) out[i] = out[i]! / z;
  return out;
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Indices of the k largest values, largest first; ties go to the lower index (as ONNX TopK). */
export function topK(x: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[b]! - x[a]! || a - b);
  return idx.slice(0, k);
}
