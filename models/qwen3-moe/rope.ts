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
  const half = c.head_dim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  const invFreq = Array.from({ length: half }, (_, i) => Math.pow(c.rope_theta, (-2 * i) / c.head_dim));
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i]!;
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
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
