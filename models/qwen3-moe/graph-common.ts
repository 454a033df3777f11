import type { GraphBuilder } from '../../analysis/onnx/graph-builder.ts';
import type { Qwen3MoeConfig } from '../config.ts';
import type { ModelWeights } from '../weights.ts';
import { ropeTables } from './rope.ts';

/** What every block emitter needs: the builder, the config and the shared graph-level tensors. */
export interface GraphContext {
  g: GraphBuilder;
  c: Qwen3MoeConfig;
  /** RoPE tables [max_position_embeddings, D/2] (initializers shared by all layers). */
  cosCache: string;
  sinCache: string;
}

/** W [out, in] (nn.Linear) → Wᵀ [in, out], the layout a torch export's MatMul initializer has. */
export function transposed(w: Float32Array, out: number, inp: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i]!;
  }
  return t;
}

/** y [..., out] = x [..., in] · Wᵀ as a MatMul with a pre-transposed initializer. */
export function linear(cx: GraphContext, x: string, name: string, w: Float32Array, out: number, inp: number): string {
  const wt = cx.g.weight(`${name}.weight`, [inp, out], transposed(w, out, inp));
  return cx.g.op('MatMul', [x, wt], { name: `${name}/MatMul` });
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · gain (gain [n] broadcast). */
export function rmsNorm(cx: GraphContext, x: string, name: string, gain: Float32Array): string {
  const g = cx.g;
  const sq = g.op('Mul', [x, x], { name: `${name}/Mul_sq` });
  const mean = g.op('ReduceMean', [sq], {
    name: `${name}/ReduceMean`,
    attrs: { axes: { ints: [-1] }, keepdims: { i: 1 } },
  });
  const eps = g.op('Add', [mean, g.float(cx.c.rms_norm_eps)], { name: `${name}/Add_eps` });
  const rms = g.op('Sqrt', [eps], { name: `${name}/Sqrt` });
  const normed = g.op('Div', [x, rms], { name: `${name}/Div` });
  return g.op('Mul', [normed, g.weight(`${name}.weight`, [gain.length], gain)], { name: `${name}/Mul_gain` });
}

/** RMSNorm per head: x [B, S, n·D] → [B, S, n, D] → norm with the shared [D] gain → [B, S, n·D] unless `keepHeads`. */
export function headRmsNorm(
  cx: GraphContext,
  x: string,
  name: string,
  heads: number,
  gain: Float32Array,
  keepHeads: boolean,
): string {
  const D = cx.c.head_dim;
  const split = cx.g.op('Reshape', [x, cx.g.int64([0, 0, heads, D])], { name: `${name}/Reshape_heads` });
  const normed = rmsNorm(cx, split, name, gain);
  return keepHeads
    ? normed
    : cx.g.op('Reshape', [normed, cx.g.int64([0, 0, heads * D])], { name: `${name}/Reshape_flat` });
}

/** Adds the RoPE tables as initializers; returns the context all emitters share. */
export function graphContext(g: GraphBuilder, c: Qwen3MoeConfig): GraphContext {
  const { cos, sin } = ropeTables(c);
  const dims = [c.max_position_embeddings, c.head_dim / 2];
  return { g, c, cosCache: g.weight('cos_cache', dims, cos), sinCache: g.weight('sin_cache', dims, sin) };
}

/** Token embedding: input_ids [B, S] → [B, S, H]. */
export function embedTokens(cx: GraphContext, w: ModelWeights, ids: string): string {
  const table = cx.g.weight('model.embed_tokens.weight', [cx.c.vocab_size, cx.c.hidden_size], w.embed);
  return cx.g.op('Gather', [table, ids], { name: '/model/embed_tokens/Gather', attrs: { axis: { i: 0 } } });
}

/**
 * Final norm and LM head: h [B, S, H] → logits [B, S, V]. A Gemm with transB reads the [V, H]
 * table as stored, so a tied head reuses the embedding initializer instead of a transposed copy.
 */
export function lmHead(cx: GraphContext, w: ModelWeights, h: string, logits: string): void {
  const { g, c } = cx;
  const normed = rmsNorm(cx, h, '/model/norm', w.finalNorm);
  const table = w.lmHead
    ? g.weight('lm_head.weight', [c.vocab_size, c.hidden_size], w.lmHead)
    : 'model.embed_tokens.weight';
  const rows = g.op('Reshape', [normed, g.int64([-1, c.hidden_size])], { name: '/lm_head/Reshape_rows' });
  const flat = g.op('Gemm', [rows, table], { name: '/lm_head/Gemm', attrs: { transB: { i: 1 } } });
  const bs = g.op('Shape', [h], { name: '/lm_head/Shape', attrs: { start: { i: 0 }, end: { i: 2 } } });
  const shape = g.op('Concat', [bs, g.int64([c.vocab_size])], {
    name: '/lm_head/Concat_shape',
    attrs: { axis: { i: 0 } },
  });
  g.node('Reshape', [flat, shape], { name: '/lm_head/Reshape_logits', outputs: [logits] });
}
