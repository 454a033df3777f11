import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../analysis/onnx/tensor-proto.ts';
import { routingFlips, routingMargin } from '../../models/hf/verify-compare.ts';
import { buildQwen3MoeGraph, type GraphForm } from '../../models/qwen3-moe/build-graph.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { maxAbsDiff, TINY, tokenIds } from '../unit/onnx/tiny-model.ts';

const { onnx } = onnxProto;
const weights = randomWeights(TINY, 1);
const sessions = {} as Record<GraphForm, ort.InferenceSession>;
const bytes = {
  unfused: buildQwen3MoeGraph(weights, {
    form: 'unfused',
    dtype: 'float16',
    exposeAttentionProbs: true,
    exposeRouting: true,
  }),
  fused: buildQwen3MoeGraph(weights, { form: 'fused', dtype: 'float16' }),
};

beforeAll(async () => {
  for (const form of ['unfused', 'fused'] as const)
    sessions[form] = await ort.InferenceSession.create(bytes[form], { executionProviders: ['cpu'] });
});
afterAll(async () => {
  for (const s of Object.values(sessions)) await s.release();
});

const half = (t: ort.Tensor | undefined) => float16BitsToFloat32(t!.data as Uint16Array);
const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), dims);

/** Feeds for ids at positions past..past+T−1, with float16 caches (empty when none). */
function feeds(ids: number[], past = 0, cache?: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const T = ids.length;
  const f: Record<string, ort.Tensor> = {
    input_ids: i64(ids, [1, T]),
    attention_mask: i64(new Array<number>(past + T).fill(1), [1, past + T]),
    position_ids: i64(
      ids.map((_, i) => past + i),
      [1, T],
    ),
  };
  for (let L = 0; L < TINY.num_hidden_layers; L++)
    for (const kv of ['key', 'value'])
      f[`past_key_values.${L}.${kv}`] =
        cache?.[`present.${L}.${kv}`] ??
        new ort.Tensor('float16', new Uint16Array(0), [1, TINY.num_key_value_heads, 0, TINY.head_dim]);
  return f;
}

describe('float16 graphs (buildQwen3MoeGraph dtype float16) on the CPU provider', () => {
  const T = 24,
    ids = tokenIds(T, TINY.vocab_size, 5);
  const oracle = oracleForward(weights, ids, { routing: true, attentionLayers: [0, 1] });

  it('weights, KV cache and logits are float16; attention and router probabilities stay float32', async () => {
    const m = onnx.ModelProto.decode(bytes.unfused);
    const F16 = onnx.TensorProto.DataType.FLOAT16,
      F32 = onnx.TensorProto.DataType.FLOAT;
    const elem = (name: string) =>
      [...m.graph!.input!, ...m.graph!.output!].find((v) => v.name === name)!.type!.tensorType!.elemType;
    expect([elem('past_key_values.0.key'), elem('present.1.value'), elem('logits')]).toEqual([F16, F16, F16]);
    expect([elem('attn_probs.0'), elem('router_probs.0')]).toEqual([F32, F32]);
    const q32 = onnx.ModelProto.decode(buildQwen3MoeGraph(weights, { form: 'unfused' })).graph!.initializer!.find((t) =>
      t.name?.endsWith('layers.0/self_attn/q_proj.weight'),
    )!;
    const q16 = m.graph!.initializer!.find((t) => t.name === q32.name)!;
    expect(q16.dataType).toBe(F16);
    const f32 = new Float32Array(new Uint8Array(q32.rawData!).buffer);
    expect(Array.from(new Uint16Array(new Uint8Array(q16.rawData!).buffer))).toEqual(
      Array.from(float32ToFloat16Bits(f32)),
    );
  });

  for (const form of ['unfused', 'fused'] as const) {
    it(`${form}: logits within 2e-2 of the float32 oracle`, async () => {
      const out = await sessions[form].run(feeds(ids));
      expect(out.logits!.type).toBe('float16');
      expect(maxAbsDiff(half(out.logits), oracle.logits)).toBeLessThan(2e-2);
    });

    it(`${form}: 3 chunks over the float16 KV cache give the one-shot last-chunk logits within 1e-2`, async () => {
      const one = half((await sessions[form].run(feeds(ids))).logits);
      let cache: Record<string, ort.Tensor> | undefined;
      let last: Float32Array | undefined;
      for (let start = 0; start < T; start += 10) {
        const out = await sessions[form].run(feeds(ids.slice(start, start + 10), start, cache));
        cache = out;
        last = half(out.logits);
      }
      expect(maxAbsDiff(last!, one.subarray(20 * TINY.vocab_size))).toBeLessThan(1e-2);
    });
  }

  it('unfused: attention probabilities within 2e-3 of the oracle; top-k flips only where the router margin is tiny', async () => {
    const out = await sessions.unfused.run(feeds(ids));
    for (const L of [0, 1]) {
      expect(out[`attn_probs.${L}`]!.type).toBe('float32');
      expect(maxAbsDiff(out[`attn_probs.${L}`]!.data as Float32Array, oracle.attention.get(L)!)).toBeLessThan(2e-3);
      const got = Int32Array.from(out[`router_top_k.${L}`]!.data as BigInt64Array, Number);
      const flips = routingFlips(got, oracle.routing![L]!.experts, TINY.num_experts_per_tok);
      for (const t of flips)
        expect(routingMargin(oracle.routing![L]!.probs, t, TINY.num_experts, TINY.num_experts_per_tok)).toBeLessThan(
          5e-3,
        );
      expect(flips.length).toBeLessThanOrEqual(1);
    }
  });
});
