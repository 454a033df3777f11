import type { Qwen3MoeConfig } from '../config.ts';

/**
 * RoPE cos/sin tables [positions, D/2] for rotate-half RoPE: inv_freq_i = θ^(−2i/D),
 * angle = position·inv_freq_i in float64, cos/sin rounded to float32. The graphs store these
 * tables as initializers and the oracle reads the same values, so both rotate identically.
 */
export function ropeTables(
  c: Qwen3MoeConfig,
  positions = c.max_position_embeddings,
): { cos: Float32Array; sin: Float32Array } {
  return { cos: ropeRows(c, Math.cos, 0, positions), sin: ropeRows(c, Math.sin, 0, positions) };
}

/** Rows [from, to) of one table (`f` = Math.cos or Math.sin), as `ropeTables` computes them. */
export function ropeRows(c: Qwen3MoeConfig, f: (angle: number) => number, from: number, to: number): Float32Array {
  const half = c.head_dim / 2;
  const out = new Float32Array((to - from) * half);
  const invFreq = Array.from({ length: half }, (_, i) => Math.pow(c.rope_theta, (-2 * i) / c.head_dim));
  for (let p = from; p < to; p++) for (let i = 0; i < half; i++) out[(p - from) * half + i] = f(p * invFreq[i]!);
  return out;
}

/**
 * Rotates one head vector x [D] in place at table row `pos` (rotate-half, not interleaved):
 * x'[i] = x[i]·cos − x[i+D/2]·sin, x'[i+D/2] = x[i+D/2]·cos + x[i]·sin.
 */
export function applyRope(x: Float32Array, cos: Float32Array, sin: Float32Array, pos: number): void {
  const half = x.length / 2;
  for (let i = 0; i < half; i++) {
    const c = cos[pos * half + i]!,
      s = sin[pos * half + i]!;
    const a = x[i]!,
      b = x[i + half]!;
    x[i] = a * c - b * s;
    x[i + half] = b * c + a * s;
  }
}
