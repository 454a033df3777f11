import type { ChunkedValues, FloatType, GraphBuilder } from '../../analysis/onnx/graph-builder.ts';
import type { Qwen3MoeConfig } from '../config.ts';
import type { LazyModelWeights, LazyTensor } from '../weights.ts';
import { ropeRows } from './rope.ts';
import { rowBlocks, transposedValues } from './weight-values.ts';

/** What every block emitter needs: the builder, the config, the float type and the shared graph-level tensors. */
export interface GraphContext {
  g: GraphBuilder;
  c: Qwen3MoeConfig;
  /** Element type of weights, activations and the KV cache; norms and softmaxes run in float32 either way. */
  dtype: FloatType;
  /** RoPE tables [max_position_embeddings, D/2] (initializers shared by all layers). */
  cosCache: string;
  sinCache: string;
}

const ONNX_FLOAT = 1,
  ONNX_FLOAT16 = 10;

/** Casts x to float32 in a float16 graph (a no-op name in float32), as HF upcasts before norms and softmax. */
export function toFloat32(cx: GraphContext, x: string, name: string): string {
  return cx.dtype === 'float32' ? x : cx.g.op('Cast', [x], { name, attrs: { to: { i: ONNX_FLOAT } } });
}

/** Casts a float32 tensor back to the graph's float type (a no-op in float32 graphs). */
export function toModelType(cx: GraphContext, x: string, name: string): string {
  return cx.dtype === 'float32' ? x : cx.g.op('Cast', [x], { name, attrs: { to: { i: ONNX_FLOAT16 } } });
}

/** y [..., out] = x [..., in] · Wᵀ as a MatMul with a pre-transposed initializer. */
export function linear(cx: GraphContext, x: string, name: string, w: LazyTensor, out: number, inp: number): string {
  const wt = cx.g.weight(`${name}.weight`, [inp, out], transposedValues(w, out, inp), cx.dtype);
  return cx.g.op('MatMul', [x, wt], { name: `${name}/MatMul` });
}

/**
 * RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · gain. In float16 graphs the normalisation runs
 * in float32 and is cast back before the gain, as HF's Qwen3MoeRMSNorm does (x² overflows float16 at |x| > 256).
 */
export function rmsNorm(cx: GraphContext, x: string, name: string, gain: LazyTensor): string {
  const g = cx.g;
  const x32 = toFloat32(cx, x, `${name}/Cast_in`);
  const sq = g.op('Mul', [x32, x32], { name: `${name}/Mul_sq` });
  const mean = g.op('ReduceMean', [sq], {
    name: `${name}/ReduceMean`,
    attrs: { axes: { ints: [-1] }, keepdims: { i: 1 } },
  });
  const eps = g.op('Add', [mean, g.float(cx.c.rms_norm_eps)], { name: `${name}/Add_eps` });
  const rms = g.op('Sqrt', [eps], { name: `${name}/Sqrt` });
  const normed = toModelType(cx, g.op('Div', [x32, rms], { name: `${name}/Div` }), `${name}/Cast_out`);
  const w = g.weight(`${name}.weight`, [gain.length], gain.read(0, gain.length), cx.dtype);
  return g.op('Mul', [normed, w], { name: `${name}/Mul_gain` });
}

/** RMSNorm per head: x [B, S, n·D] → [B, S, n, D] → norm with the shared [D] gain → [B, S, n·D] unless `keepHeads`. */
export function headRmsNorm(
  cx: GraphContext,
  x: string,
  name: string,
  heads: number,
  gain: LazyTensor,
  keepHeads: boolean,
): string {
  const D = cx.c.head_dim;
  const split = cx.g.op('Reshape', [x, cx.g.int64([0, 0, heads, D])], { name: `${name}/Reshape_heads` });
  const normed = rmsNorm(cx, split, name, gain);
  return keepHeads
    ? normed
    : cx.g.op('Reshape', [normed, cx.g.int64([0, 0, heads * D])], { name: `${name}/Reshape_flat` });
}

/**
 * Adds the RoPE tables as initializers (float32 values, stored in the graph's type), computed 4,096
 * positions at a time when written (at 262,144 positions each table is 67 MB); returns the shared context.
 */
export function graphContext(g: GraphBuilder, c: Qwen3MoeConfig, dtype: FloatType): GraphContext {
  const P = c.max_position_embeddings,
    dims = [P, c.head_dim / 2];
  const table = (f: (a: number) => number): ChunkedValues => ({
    length: P * (c.head_dim / 2),
    *chunks() {
      for (let p = 0; p < P; p += 4096) yield ropeRows(c, f, p, Math.min(P, p + 4096));
    },
  });
  return {
    g,
    c,
    dtype,
    cosCache: g.weight('cos_cache', dims, table(Math.cos), dtype),
    sinCache: g.weight('sin_cache', dims, table(Math.sin), dtype),
  };
}

/** Token embedding: input_ids [B, S] → [B, S, H]. */
export function embedTokens(cx: GraphContext, w: LazyModelWeights, ids: string): string {
  const dims = [cx.c.vocab_size, cx.c.hidden_size];
  const table = cx.g.weight('model.embed_tokens.weight', dims, rowBlocks(w.embed, cx.c.hidden_size), cx.dtype);
  return cx.g.op('Gather', [table, ids], { name: '/model/embed_tokens/Gather', attrs: { axis: { i: 0 } } });
}

/**
 * Final norm and LM head: h [B, S, H] → logits [B, S, V] in the graph's float type. A Gemm with transB
 * reads the [V, H] table as stored, so a tied head reuses the embedding initializer instead of a
 * transposed copy.
 */
export function lmHead(cx: GraphContext, w: LazyModelWeights, h: string, logits: string): void {
  const { g, c } = cx;
  const normed = rmsNorm(cx, h, '/model/norm', w.finalNorm);
  const table = w.lmHead
    ? g.weight('lm_head.weight', [c.vocab_size, c.hidden_size], rowBlocks(w.lmHead, c.hidden_size), cx.dtype)
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
