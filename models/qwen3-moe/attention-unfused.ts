import type { LazyLayerWeights } from '../weights.ts';
import { headRmsNorm, linear, toFloat32, toModelType, type GraphContext } from './graph-common.ts';

/** Graph-level tensors the unfused attention of every layer reads (built once). */
export interface UnfusedShared {
  cos: string; // [B, 1, S, D] rotate-half layout (the [D/2] table row repeated twice)
  sin: string; // [B, 1, S, D]
  mask: string; // [B, 1, S, T] additive: 0 where allowed, float32 lowest where masked
}

const LOWEST = -3.4028234663852886e38;

/** Gathers the RoPE rows for position_ids and builds the causal + padding mask from attention_mask and the past length. */
export function unfusedShared(
  cx: GraphContext,
  positionIds: string,
  attentionMask: string,
  inputIds: string,
): UnfusedShared {
  const g = cx.g;
  const rope = (table: string, tag: string) => {
    const rows = g.op('Gather', [table, positionIds], {
      name: `/model/rotary/Gather_${tag}`,
      attrs: { axis: { i: 0 } },
    }); // [B, S, D/2]
    const full = g.op('Concat', [rows, rows], { name: `/model/rotary/Concat_${tag}`, attrs: { axis: { i: -1 } } }); // [B, S, D]
    return g.op('Unsqueeze', [full, g.int64([1])], { name: `/model/rotary/Unsqueeze_${tag}` });
  };
  const total = g.op(
    'Gather',
    [g.op('Shape', [attentionMask], { name: '/model/mask/Shape_total' }), g.int64([1], true)],
    { name: '/model/mask/Gather_total', attrs: { axis: { i: 0 } } },
  );
  const seq = g.op('Gather', [g.op('Shape', [inputIds], { name: '/model/mask/Shape_seq' }), g.int64([1], true)], {
    name: '/model/mask/Gather_seq',
    attrs: { axis: { i: 0 } },
  });
  const past = g.op('Sub', [total, seq], { name: '/model/mask/Sub_past' });
  const keyPos = g.op('Range', [g.int64([0], true), total, g.int64([1], true)], { name: '/model/mask/Range_keys' }); // [T]
  const queryPos = g.op('Range', [past, total, g.int64([1], true)], { name: '/model/mask/Range_queries' }); // [S] absolute positions
  const queryCol = g.op('Unsqueeze', [queryPos, g.int64([1])], { name: '/model/mask/Unsqueeze_queries' }); // [S, 1]
  const causal = g.op('LessOrEqual', [keyPos, queryCol], { name: '/model/mask/LessOrEqual_causal' }); // [S, T]
  const padBool = g.op('Cast', [attentionMask], { name: '/model/mask/Cast_pad', attrs: { to: { i: 9 } } }); // bool [B, T]
  const pad = g.op('Unsqueeze', [padBool, g.int64([1, 2])], { name: '/model/mask/Unsqueeze_pad' }); // [B, 1, 1, T]
  const allowed = g.op('And', [causal, pad], { name: '/model/mask/And' }); // [B, 1, S, T]
  const mask = g.op('Where', [allowed, g.float(0), g.float(LOWEST)], { name: '/model/mask/Where' });
  return { cos: rope(cx.cosCache, 'cos'), sin: rope(cx.sinCache, 'sin'), mask };
}

/** x [B, n, S, D] → x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−x[D/2:], x[:D/2]). */
function applyRope(cx: GraphContext, x: string, sh: UnfusedShared, name: string): string {
  const g = cx.g,
    half = cx.c.head_dim / 2;
  const x1 = g.op('Slice', [x, g.int64([0]), g.int64([half]), g.int64([-1])], { name: `${name}/Slice_1` });
  const x2 = g.op('Slice', [x, g.int64([half]), g.int64([2 * half]), g.int64([-1])], { name: `${name}/Slice_2` });
  const rot = g.op('Concat', [g.op('Neg', [x2], { name: `${name}/Neg` }), x1], {
    name: `${name}/Concat_rot`,
    attrs: { axis: { i: -1 } },
  });
  const a = g.op('Mul', [x, sh.cos], { name: `${name}/Mul_cos` });
  const b = g.op('Mul', [rot, sh.sin], { name: `${name}/Mul_sin` });
  return g.op('Add', [a, b], { name: `${name}/Add` });
}

/** [B, S, n, D] → [B, n, S, D] */
function toHeadsFirst(cx: GraphContext, x: string, name: string): string {
  return cx.g.op('Transpose', [x], { name, attrs: { perm: { ints: [0, 2, 1, 3] } } });
}

/** KV heads [B, Nkv, T, D] → query heads [B, Nq, T, D] (each KV head repeated Nq/Nkv times, as repeat_kv). */
function repeatKv(cx: GraphContext, x: string, name: string): string {
  const { g, c } = cx,
    group = c.num_attention_heads / c.num_key_value_heads;
  if (group === 1) return x;
  const u = g.op('Unsqueeze', [x, g.int64([2])], { name: `${name}/Unsqueeze` }); // [B, Nkv, 1, T, D]
  const e = g.op('Expand', [u, g.int64([1, 1, group, 1, 1])], { name: `${name}/Expand` }); // [B, Nkv, G, T, D]
  return g.op('Reshape', [e, g.int64([0, c.num_attention_heads, -1, c.head_dim])], { name: `${name}/Reshape` });
}

export interface AttentionIo {
  layer: number;
  x: string; // [B, S, H] input-normed hidden states
  pastKey: string; // [B, Nkv, P, D]
  pastValue: string;
  presentKey: string; // output names for [B, Nkv, P+S, D]
  presentValue: string;
  probsName?: string; // when set, the Softmax output gets this name (a graph output)
}

/**
 * Eager-style attention (as a torch export has it): MatMul → scale → mask → Softmax → MatMul → o_proj.
 * In float16 graphs the scores are cast to float32 before the mask and Softmax and the probabilities
 * back to float16 for the value MatMul (HF eager: softmax(..., dtype=float32).to(query.dtype)), so
 * `attn_probs.{L}` are float32 in both. Returns [B, S, H].
 */
export function attentionUnfused(cx: GraphContext, l: LazyLayerWeights, io: AttentionIo, sh: UnfusedShared): string {
  const { g, c } = cx,
    H = c.hidden_size,
    D = c.head_dim,
    Nq = c.num_attention_heads,
    Nkv = c.num_key_value_heads;
  const p = `/model/layers.${io.layer}/self_attn`;
  const q = headRmsNorm(cx, linear(cx, io.x, `${p}/q_proj`, l.qProj, Nq * D, H), `${p}/q_norm`, Nq, l.qNorm, true);
  const k = headRmsNorm(cx, linear(cx, io.x, `${p}/k_proj`, l.kProj, Nkv * D, H), `${p}/k_norm`, Nkv, l.kNorm, true);
  const v = g.op('Reshape', [linear(cx, io.x, `${p}/v_proj`, l.vProj, Nkv * D, H), g.int64([0, 0, Nkv, D])], {
    name: `${p}/v_proj/Reshape`,
  });
  const qr = applyRope(cx, toHeadsFirst(cx, q, `${p}/q/Transpose`), sh, `${p}/q_rope`); // [B, Nq, S, D]
  const kr = applyRope(cx, toHeadsFirst(cx, k, `${p}/k/Transpose`), sh, `${p}/k_rope`); // [B, Nkv, S, D]
  const vt = toHeadsFirst(cx, v, `${p}/v/Transpose`);
  g.node('Concat', [io.pastKey, kr], { name: `${p}/Concat_key`, outputs: [io.presentKey], attrs: { axis: { i: 2 } } });
  g.node('Concat', [io.pastValue, vt], {
    name: `${p}/Concat_value`,
    outputs: [io.presentValue],
    attrs: { axis: { i: 2 } },
  });
  const kAll = repeatKv(cx, io.presentKey, `${p}/repeat_k`); // [B, Nq, T, D]
  const vAll = repeatKv(cx, io.presentValue, `${p}/repeat_v`);
  const kT = g.op('Transpose', [kAll], { name: `${p}/Transpose_kT`, attrs: { perm: { ints: [0, 1, 3, 2] } } });
  const scores = g.op(
    'Mul',
    [g.op('MatMul', [qr, kT], { name: `${p}/MatMul_qk` }), g.float(1 / Math.sqrt(D), cx.dtype)],
    { name: `${p}/Mul_scale` },
  );
  const masked = g.op('Add', [toFloat32(cx, scores, `${p}/Cast_scores`), sh.mask], { name: `${p}/Add_mask` }); // [B, Nq, S, T]
  const [probs] = g.node('Softmax', [masked], {
    name: `${p}/Softmax`,
    attrs: { axis: { i: -1 } },
    ...(io.probsName ? { outputs: [io.probsName] } : {}),
  });
  const ctx = g.op('MatMul', [toModelType(cx, probs!, `${p}/Cast_probs`), vAll], { name: `${p}/MatMul_pv` }); // [B, Nq, S, D]
  const merged = g.op('Reshape', [toHeadsFirst(cx, ctx, `${p}/Transpose_ctx`), g.int64([0, 0, Nq * D])], {
    name: `${p}/Reshape_ctx`,
  });
  return linear(cx, merged, `${p}/o_proj`, l.oProj, H, Nq * D);
}
