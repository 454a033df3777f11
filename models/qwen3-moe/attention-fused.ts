import type { LazyLayerWeights } from '../weights.ts';
import type { AttentionIo } from './attention-unfused.ts';
import { headRmsNorm, linear, type GraphContext } from './graph-common.ts';

/** GQA's sequence inputs, derived from attention_mask inside the graph as onnxruntime-genai exports do. */
export interface FusedShared {
  seqlensK: string; // int32 [B] = (number of ones in the mask row) − 1
  totalLength: string; // int32 scalar = attention_mask.shape[1]
}

/**
 * A wrong seqlens_k or total length runs without error and silently returns wrong attention,
 * so both come from the mask, never from the caller.
 */
export function fusedShared(cx: GraphContext, attentionMask: string): FusedShared {
  const g = cx.g,
    p = '/model/attn_mask_reformat';
  const ones = g.op('ReduceSum', [attentionMask, g.int64([1])], {
    name: `${p}/ReduceSum`,
    attrs: { keepdims: { i: 0 } },
  }); // [B]
  const lastIndex = g.op('Sub', [ones, g.int64([1], true)], { name: `${p}/Sub` });
  const seqlensK = g.op('Cast', [lastIndex], { name: `${p}/Cast_seqlens`, attrs: { to: { i: 6 } } });
  const shape = g.op('Shape', [attentionMask], { name: `${p}/Shape` });
  const total = g.op('Gather', [shape, g.int64([1], true)], { name: `${p}/Gather_total`, attrs: { axis: { i: 0 } } }); // int64 scalar
  const totalLength = g.op('Cast', [total], { name: `${p}/Cast_total`, attrs: { to: { i: 6 } } });
  return { seqlensK, totalLength };
}

/**
 * com.microsoft GroupQueryAttention with RoPE inside (rotate-half, the model's cos/sin tables).
 * q_norm / k_norm run before it, since GQA has no per-head norm. Returns [B, S, H] after o_proj.
 */
export function attentionFused(cx: GraphContext, l: LazyLayerWeights, io: AttentionIo, sh: FusedShared): string {
  const { g, c } = cx,
    H = c.hidden_size,
    D = c.head_dim,
    Nq = c.num_attention_heads,
    Nkv = c.num_key_value_heads;
  const p = `/model/layers.${io.layer}/self_attn`;
  const q = headRmsNorm(cx, linear(cx, io.x, `${p}/q_proj`, l.qProj, Nq * D, H), `${p}/q_norm`, Nq, l.qNorm, false);
  const k = headRmsNorm(cx, linear(cx, io.x, `${p}/k_proj`, l.kProj, Nkv * D, H), `${p}/k_norm`, Nkv, l.kNorm, false);
  const v = linear(cx, io.x, `${p}/v_proj`, l.vProj, Nkv * D, H);
  const [attn] = g.node(
    'GroupQueryAttention',
    [q, k, v, io.pastKey, io.pastValue, sh.seqlensK, sh.totalLength, cx.cosCache, cx.sinCache],
    {
      name: `${p}/GroupQueryAttention`,
      domain: 'com.microsoft',
      outputs: [`${p}/GroupQueryAttention_output_0`, io.presentKey, io.presentValue],
      attrs: {
        num_heads: { i: Nq },
        kv_num_heads: { i: Nkv },
        scale: { f: 1 / Math.sqrt(D) },
        do_rotary: { i: 1 },
        rotary_interleaved: { i: 0 },
      },
    },
  );
  return linear(cx, attn!, `${p}/o_proj`, l.oProj, H, Nq * D);
}
