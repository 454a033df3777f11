import { GraphBuilder, type FloatType } from '../../analysis/onnx/graph-builder.ts';
import type { LazyModelWeights, ModelWeights } from '../weights.ts';
import { assertWeightShapes, lazyArray, mapTensors } from '../weights.ts';
import { attentionFused, fusedShared } from './attention-fused.ts';
import { attentionUnfused, unfusedShared } from './attention-unfused.ts';
import { embedTokens, graphContext, lmHead, rmsNorm } from './graph-common.ts';
import { moeFused } from './moe-fused.ts';
import { moeUnfused } from './moe-unfused.ts';

export type GraphForm = 'unfused' | 'fused';
export type { FloatType } from '../../analysis/onnx/graph-builder.ts';

export interface BuildGraphOptions {
  form: GraphForm;
  /**
   * Element type of weights, activations, the KV cache (past/present) and logits; default float32.
   * float16 graphs keep RMSNorm, the attention Softmax and the router Softmax/TopK in float32 (casts
   * around them, as HF does), so `attn_probs.{L}` and `router_probs.{L}` are float32 in both types.
   */
  dtype?: FloatType;
  /** Unfused only: extra outputs attn_probs.{L} [batch, Nq, sequence, total_sequence] = the Softmax outputs. */
  exposeAttentionProbs?: boolean;
  /** Unfused only: extra outputs router_probs.{L} [tokens, E] (router Softmax) and router_top_k.{L} int64 [tokens, k] (TopK indices). */
  exposeRouting?: boolean;
}

/** Metadata keys written into every built model. */
export const META_CONFIG = 'acc_lens.config';
export const META_FORM = 'acc_lens.form';
export const META_DTYPE = 'acc_lens.dtype';

const isInMemory = (w: ModelWeights | LazyModelWeights): w is ModelWeights => w.embed instanceof Float32Array;

/**
 * Assembles a Qwen3-MoE decoder with the interface of real decoder exports (input_ids, attention_mask,
 * position_ids, past_key_values.{L}.key/value → logits, present.{L}.key/value) into a GraphBuilder.
 * Weights are read only when the builder encodes or externalizes them, so lazy checkpoint tensors are
 * streamed one piece at a time.
 */
export function qwen3MoeGraph(weights: ModelWeights | LazyModelWeights, options: BuildGraphOptions): GraphBuilder {
  assertWeightShapes(weights);
  const w: LazyModelWeights = isInMemory(weights) ? mapTensors(weights, lazyArray) : weights;
  const c = w.config,
    fused = options.form === 'fused',
    dtype = options.dtype ?? 'float32';
  if (fused && (options.exposeAttentionProbs || options.exposeRouting))
    throw new Error('exposeAttentionProbs / exposeRouting apply to the unfused form only');
  if (fused && c.head_dim % 16 !== 0)
    throw new Error(
      `the fused form needs head_dim a multiple of 16 (GroupQueryAttention with do_rotary), got ${c.head_dim}`,
    );
  const g = new GraphBuilder(`qwen3_moe_${options.form}`);
  const kv = ['batch', c.num_key_value_heads, 'past_sequence', c.head_dim] as const;
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'total_sequence']);
  const pos = g.input('position_ids', 'int64', ['batch', 'sequence']);
  w.layers.forEach((_, L) => {
    g.input(`past_key_values.${L}.key`, dtype, kv);
    g.input(`past_key_values.${L}.value`, dtype, kv);
  });
  const cx = graphContext(g, c, dtype);
  const shared = fused ? fusedShared(cx, mask) : unfusedShared(cx, pos, mask, ids);
  let h = embedTokens(cx, w, ids); // [B, S, H]
  w.layers.forEach((l, L) => {
    const p = `/model/layers.${L}`;
    const io = {
      layer: L,
      x: rmsNorm(cx, h, `${p}/input_layernorm`, l.inputNorm),
      pastKey: `past_key_values.${L}.key`,
      pastValue: `past_key_values.${L}.value`,
      presentKey: `present.${L}.key`,
      presentValue: `present.${L}.value`,
      ...(options.exposeAttentionProbs ? { probsName: `attn_probs.${L}` } : {}),
    };
    const attn = 'seqlensK' in shared ? attentionFused(cx, l, io, shared) : attentionUnfused(cx, l, io, shared);
    h = g.op('Add', [h, attn], { name: `${p}/Add_attn_residual` });
    const moeIo = {
      layer: L,
      x: rmsNorm(cx, h, `${p}/post_attention_layernorm`, l.postNorm),
      ...(options.exposeRouting ? { routerProbsName: `router_probs.${L}`, topKName: `router_top_k.${L}` } : {}),
    };
    const moe = fused ? moeFused(cx, l, moeIo) : moeUnfused(cx, l, moeIo);
    h = g.op('Add', [h, moe], { name: `${p}/Add_moe_residual` });
  });
  lmHead(cx, w, h, 'logits');
  g.output('logits', dtype, ['batch', 'sequence', c.vocab_size]);
  const present = ['batch', c.num_key_value_heads, 'total_sequence', c.head_dim] as const;
  w.layers.forEach((_, L) => {
    g.output(`present.${L}.key`, dtype, present);
    g.output(`present.${L}.value`, dtype, present);
  });
  w.layers.forEach((_, L) => {
    if (options.exposeAttentionProbs)
      g.output(`attn_probs.${L}`, 'float32', ['batch', c.num_attention_heads, 'sequence', 'total_sequence']);
    if (options.exposeRouting) {
      g.output(`router_probs.${L}`, 'float32', ['tokens', c.num_experts]);
      g.output(`router_top_k.${L}`, 'int64', ['tokens', c.num_experts_per_tok]);
    }
  });
  return g;
}

/** Encode options of a built model: opsets of its form and the acc_lens.* metadata. */
export function graphEncodeOptions(
  weights: { config: LazyModelWeights['config'] },
  options: BuildGraphOptions,
  extraMetadata: Record<string, string> = {},
): { opsets: Record<string, number>; metadata: Record<string, string> } {
  const dtype = options.dtype ?? 'float32';
  return {
    opsets: options.form === 'fused' ? { '': 17, 'com.microsoft': 1 } : { '': 17 },
    metadata: {
      [META_CONFIG]: JSON.stringify(weights.config),
      [META_FORM]: options.form,
      // float32 models carry no dtype key, so the reference pair's bytes stay what they were.
      ...(dtype === 'float32' ? {} : { [META_DTYPE]: dtype }),
      ...extraMetadata,
    },
  };
}

/**
 * The whole model as one ONNX protobuf (weights inline; under the 2 GiB protobuf limit). Same weights →
 * same bytes. Example: `writeFileSync('m.onnx', buildQwen3MoeGraph(weights, { form: 'fused' }))`.
 */
export function buildQwen3MoeGraph(weights: ModelWeights | LazyModelWeights, options: BuildGraphOptions): Uint8Array {
  return qwen3MoeGraph(weights, options).encode(graphEncodeOptions(weights, options));
}
