import type { ModelWeights } from '../weights.ts';

/**
 * Exact attention rows of a planted retrieval head, computed from token ids alone.
 *
 * A retrieval head reads only the CODE and CONST subspaces, which no layer writes, and q_norm /
 * k_norm remove the input scale; so its q and k depend on the token id only, and a row costs
 * O(T·D) instead of a full forward. Tests cross-check these rows against the ONNX graphs.
 */
export class RetrievalHeadProbe {
  private readonly qCache = new Map<number, Float64Array>();
  private readonly kCache = new Map<number, Float64Array>();
  private readonly freq: Float64Array;
  /** cos/sin of every pair's angle per distance, [distance, D/2], grown on demand. */
  private cos = new Float64Array(0);
  private sin = new Float64Array(0);

  constructor(
    private readonly weights: ModelWeights,
    private readonly layer: number,
    private readonly head: number,
  ) {
    const c = weights.config;
    this.freq = Float64Array.from({ length: c.head_dim / 2 }, (_, i) => c.rope_theta ** ((-2 * i) / c.head_dim));
  }

  /** Softmax attention row of query position `p` over keys 0..p (causal), for token ids `ids`. */
  row(ids: ArrayLike<number>, p: number): Float64Array {
    const c = this.weights.config;
    const D = c.head_dim,
      half = D / 2;
    const q = this.vector('q', ids[p]!);
    this.growRope(p + 1);
    const logits = new Float64Array(p + 1);
    let max = -Infinity;
    for (let j = 0; j <= p; j++) {
      const k = this.vector('k', ids[j]!);
      const base = (p - j) * half;
      let dot = 0;
      for (let i = 0; i < half; i++) {
        const re = q[i]! * k[i]! + q[i + half]! * k[i + half]!;
        const im = q[i + half]! * k[i]! - q[i]! * k[i + half]!;
        dot += re * this.cos[base + i]! - im * this.sin[base + i]!;
      }
      logits[j] = dot / Math.sqrt(D);
      if (logits[j]! > max) max = logits[j]!;
    }
    let sum = 0;
    for (let j = 0; j <= p; j++) sum += logits[j] = Math.exp(logits[j]! - max);
    for (let j = 0; j <= p; j++) logits[j]! /= sum;
    return logits;
  }

  private growRope(distances: number): void {
    const half = this.freq.length;
    const have = this.cos.length / half;
    if (have >= distances) return;
    const cos = new Float64Array(distances * half),
      sin = new Float64Array(distances * half);
    cos.set(this.cos);
    sin.set(this.sin);
    for (let d = have; d < distances; d++) {
      for (let i = 0; i < half; i++) {
        // The graphs rotate by float32 angles; so does this probe.
        const phi = Math.fround(d * this.freq[i]!);
        cos[d * half + i] = Math.cos(phi);
        sin[d * half + i] = Math.sin(phi);
      }
    }
    this.cos = cos;
    this.sin = sin;
  }

  private vector(kind: 'q' | 'k', token: number): Float64Array {
    const cache = kind === 'q' ? this.qCache : this.kCache;
    const hit = cache.get(token);
    if (hit) return hit;
    const c = this.weights.config;
    const l = this.weights.layers[this.layer]!;
    const H = c.hidden_size,
      D = c.head_dim;
    const x = this.weights.embed.subarray(token * H, (token + 1) * H);
    let ms = 0;
    for (let i = 0; i < H; i++) ms += x[i]! ** 2;
    const inv = 1 / Math.sqrt(ms / H + c.rms_norm_eps);
    const kvHead = Math.floor(this.head / (c.num_attention_heads / c.num_key_value_heads));
    const [proj, row0, gain] = kind === 'q' ? [l.qProj, this.head * D, l.qNorm] : [l.kProj, kvHead * D, l.kNorm];
    const v = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      let s = 0;
      const r = (row0 + d) * H;
      for (let i = 0; i < H; i++) s += proj[r + i]! * x[i]! * l.inputNorm[i]!;
      v[d] = s * inv;
    }
    let vs = 0;
    for (let d = 0; d < D; d++) vs += v[d]! ** 2;
    const vinv = 1 / Math.sqrt(vs / D + c.rms_norm_eps);
    for (let d = 0; d < D; d++) v[d] = v[d]! * vinv * gain[d]!;
    cache.set(token, v);
    return v;
  }
}
