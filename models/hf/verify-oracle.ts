import { attentionForward } from '../qwen3-moe/oracle-attention.ts';
import { route } from '../qwen3-moe/oracle-moe.ts';
import { linear, rmsNorm, silu } from '../qwen3-moe/oracle-ops.ts';
import { ropeTables } from '../qwen3-moe/rope.ts';
import { readAll } from '../qwen3-moe/weight-values.ts';
import type { ExpertTensors, LayerWeights, LazyModelWeights, LazyTensor } from '../weights.ts';

export interface PrefixResult {
  /** Residual stream after each computed layer: [layer][T·H]. */
  hidden: Float32Array[];
  /** Top-k expert ids per computed layer: [layer][T·k]. */
  experts: Int32Array[];
  /** Router probabilities per computed layer: [layer][T·E]. */
  probs: Float32Array[];
  /** [T, V] when every layer was computed. */
  logits?: Float32Array;
}

/** A layer's dense tensors read into memory; experts stay on disk (each use reads one expert). */
function denseParts(l: LazyModelWeights['layers'][number]): LayerWeights {
  return {
    inputNorm: readAll(l.inputNorm),
    qProj: readAll(l.qProj),
    kProj: readAll(l.kProj),
    vProj: readAll(l.vProj),
    oProj: readAll(l.oProj),
    qNorm: readAll(l.qNorm),
    kNorm: readAll(l.kNorm),
    postNorm: readAll(l.postNorm),
    router: readAll(l.router),
    experts: [],
  };
}

function expert(e: ExpertTensors<LazyTensor>, x: Float32Array, I: number, H: number): Float32Array {
  const g = linear(readAll(e.gate), x, I);
  const u = linear(readAll(e.up), x, I);
  for (let i = 0; i < I; i++) g[i] = silu(g[i]!) * u[i]!;
  return linear(readAll(e.down), g, H);
}

/**
 * The TypeScript oracle over the first `layers` layers of a (lazily read) checkpoint, one layer in
 * memory at a time and only the selected experts read — so it runs on a few layers of a 30B model.
 * Computes the same float32/float64 arithmetic as `oracleForward` (which it equals when `layers` is all).
 * Example: `oraclePrefix(checkpoint.weights, ids, 2).experts[1]`.
 */
export function oraclePrefix(w: LazyModelWeights, ids: readonly number[], layers: number): PrefixResult {
  const c = w.config,
    H = c.hidden_size,
    T = ids.length,
    k = c.num_experts_per_tok,
    E = c.num_experts,
    I = c.moe_intermediate_size;
  const rope = ropeTables(c, T);
  let x = ids.map((id) => Float32Array.from(w.embed.read(id * H, H)));
  const out: PrefixResult = { hidden: [], experts: [], probs: [] };
  for (let L = 0; L < Math.min(layers, c.num_hidden_layers); L++) {
    const lw = w.layers[L]!;
    const l = denseParts(lw);
    const xn = x.map((r) => rmsNorm(r, l.inputNorm, c.rms_norm_eps));
    const att = attentionForward(c, l, xn, rope, false);
    x = x.map((r, t) => Float32Array.from(r, (v, i) => v + att.out[t * H + i]!));
    const experts = new Int32Array(T * k),
      probs = new Float32Array(T * E);
    x = x.map((r, t) => {
      const xm = rmsNorm(r, l.postNorm, c.rms_norm_eps);
      const routing = route(c, l, xm);
      experts.set(routing.experts, t * k);
      probs.set(routing.probs, t * E);
      const acc = new Float64Array(H);
      routing.experts.forEach((e, j) => {
        const y = expert(lw.experts[e]!, xm, I, H);
        for (let i = 0; i < H; i++) acc[i]! += routing.weights[j]! * y[i]!;
      });
      return Float32Array.from(r, (v, i) => v + acc[i]!);
    });
    out.hidden.push(Float32Array.from(x.flatMap((r) => Array.from(r))));
    out.experts.push(experts);
    out.probs.push(probs);
  }
  if (out.hidden.length === c.num_hidden_layers) {
    out.logits = logitsInBlocks(
      w.lmHead ?? w.embed,
      x.map((r) => rmsNorm(r, readAll(w.finalNorm), c.rms_norm_eps)),
      c.vocab_size,
    );
  }
  return out;
}

/** logits [T, V] = xs · headᵀ, reading the [V, H] head 4,096 rows at a time (a 30B head is 1.2 GB in float32). */
function logitsInBlocks(head: LazyTensor, xs: Float32Array[], V: number): Float32Array {
  const H = xs[0]?.length ?? 0,
    out = new Float32Array(xs.length * V),
    rows = 4096;
  for (let v0 = 0; v0 < V; v0 += rows) {
    const n = Math.min(rows, V - v0);
    const block = head.read(v0 * H, n * H);
    xs.forEach((x, t) => out.set(linear(block, x, n), t * V + v0));
  }
  return out;
}
