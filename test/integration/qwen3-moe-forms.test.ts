import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel, type ModelSession, type NamedTensor } from '../../analysis/capture/session.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import onnxProto from 'onnx-proto';
import { META_CONFIG, META_FORM, buildQwen3MoeGraph, type GraphForm } from '../../models/qwen3-moe/build-graph.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import type { ModelWeights } from '../../models/weights.ts';
import { TINY, decoderFeeds, maxAbsDiff, presentNames, tempFile, tokenIds } from '../unit/onnx/tiny-model.ts';

const TOL = 1e-4;
const weights = randomWeights(TINY, 1);
const bytes: Record<GraphForm, Uint8Array> = {
  unfused: buildQwen3MoeGraph(weights, { form: 'unfused', exposeAttentionProbs: true, exposeRouting: true }),
  fused: buildQwen3MoeGraph(weights, { form: 'fused' }),
};
const sessions = {} as Record<GraphForm, ModelSession>;

beforeAll(async () => {
  for (const form of ['unfused', 'fused'] as const)
    sessions[form] = await openModel(tempFile(`${form}.onnx`, bytes[form]), { ep: 'cpu' });
});
afterAll(async () => {
  for (const s of Object.values(sessions)) await s.close();
});

const f32 = (t: NamedTensor | undefined) => t!.data as Float32Array;

describe('buildQwen3MoeGraph vs oracleForward (one shot)', () => {
  for (const T of [1, 7, 40]) {
    it(`unfused = fused = oracle logits within 1e-4 at T=${T}`, async () => {
      const ids = tokenIds(T, TINY.vocab_size, T);
      const oracle = oracleForward(weights, ids);
      const u = await sessions.unfused.run(decoderFeeds(TINY, ids), ['logits', ...presentNames(TINY)]);
      const f = await sessions.fused.run(decoderFeeds(TINY, ids), ['logits', ...presentNames(TINY)]);
      expect(u.logits!.dims).toEqual([1, T, TINY.vocab_size]);
      expect(maxAbsDiff(f32(u.logits), oracle.logits)).toBeLessThan(TOL);
      expect(maxAbsDiff(f32(f.logits), oracle.logits)).toBeLessThan(TOL);
      for (const n of presentNames(TINY)) {
        expect(u[n]!.dims).toEqual([1, TINY.num_key_value_heads, T, TINY.head_dim]);
        expect(maxAbsDiff(f32(u[n]), f32(f[n]))).toBeLessThan(TOL);
      }
    });
  }

  it('the unfused TopK picks the oracle experts and its Softmax gives the oracle router probs', async () => {
    const ids = tokenIds(40, TINY.vocab_size, 3);
    const oracle = oracleForward(weights, ids, { routing: true });
    const names = Array.from({ length: TINY.num_hidden_layers }, (_, L) => [
      `router_top_k.${L}`,
      `router_probs.${L}`,
    ]).flat();
    const out = await sessions.unfused.run(decoderFeeds(TINY, ids), names);
    oracle.routing!.forEach((r, L) => {
      expect(Array.from(out[`router_top_k.${L}`]!.data as BigInt64Array, Number)).toEqual(Array.from(r.experts));
      expect(maxAbsDiff(f32(out[`router_probs.${L}`]), r.probs)).toBeLessThan(1e-5);
    });
  });

  it('attn_probs.{L} equal the oracle attention, rows sum to 1 and nothing lands above the diagonal', async () => {
    const T = 23,
      ids = tokenIds(T, TINY.vocab_size, 5);
    const oracle = oracleForward(weights, ids, { attentionLayers: [0, 1] });
    const out = await sessions.unfused.run(decoderFeeds(TINY, ids), ['attn_probs.0', 'attn_probs.1']);
    for (const L of [0, 1]) {
      const p = f32(out[`attn_probs.${L}`]);
      expect(out[`attn_probs.${L}`]!.dims).toEqual([1, TINY.num_attention_heads, T, T]);
      expect(maxAbsDiff(p, oracle.attention.get(L)!)).toBeLessThan(1e-5);
      for (let row = 0; row < TINY.num_attention_heads * T; row++) {
        const r = p.subarray(row * T, (row + 1) * T),
          q = row % T;
        expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(r.subarray(q + 1).every((v) => v === 0)).toBe(true);
      }
    }
  });
});

describe('batches', () => {
  it('batch 2 with a right-padded row: each row equals its own oracle run, in both forms', async () => {
    const T = 12,
      valid = 7,
      V = TINY.vocab_size;
    const a = tokenIds(T, V, 1),
      b = tokenIds(valid, V, 2);
    const i64 = (v: number[]): NamedTensor => ({ data: BigInt64Array.from(v, BigInt), dims: [2, T] });
    const feeds: Record<string, NamedTensor> = {
      input_ids: i64([...a, ...b, ...new Array<number>(T - valid).fill(0)]),
      attention_mask: i64([...new Array<number>(T + valid).fill(1), ...new Array<number>(T - valid).fill(0)]),
      position_ids: i64([...a.map((_, i) => i), ...Array.from({ length: T }, (_, i) => Math.min(i, valid - 1))]),
    };
    for (const n of presentNames(TINY))
      feeds[n.replace('present.', 'past_key_values.')] = {
        data: new Float32Array(0),
        dims: [2, TINY.num_key_value_heads, 0, TINY.head_dim],
      };
    for (const form of ['unfused', 'fused'] as const) {
      const out = f32((await sessions[form].run(feeds, ['logits'])).logits);
      expect(maxAbsDiff(out.subarray(0, T * V), oracleForward(weights, a).logits)).toBeLessThan(TOL);
      expect(maxAbsDiff(out.subarray(T * V, (T + valid) * V), oracleForward(weights, b).logits)).toBeLessThan(TOL);
    }
  });
});

describe('chunked prefill over the KV cache', () => {
  const T = 40,
    ids = tokenIds(T, TINY.vocab_size, 9);
  const oracle = oracleForward(weights, ids, { attentionLayers: [1] });

  for (const form of ['unfused', 'fused'] as const) {
    it(`${form}: 3 chunks give the one-shot last-chunk logits within 1e-4`, async () => {
      const r = await sessions[form].prefill(ids, { chunkSize: 14 });
      const oneShot = f32((await sessions[form].run(decoderFeeds(TINY, ids), ['logits'])).logits);
      expect(r.logitsDims).toEqual([T - 28, TINY.vocab_size]);
      expect(maxAbsDiff(r.logits, oneShot.subarray(28 * TINY.vocab_size))).toBeLessThan(TOL);
      expect(maxAbsDiff(r.logits, oracle.logits.subarray(28 * TINY.vocab_size))).toBeLessThan(TOL);
      const last = await sessions[form].prefill(ids, { chunkSize: 14, lastLogitsOnly: true });
      expect(maxAbsDiff(last.logits, oracle.logits.subarray((T - 1) * TINY.vocab_size))).toBeLessThan(TOL);
    });
  }

  it('each chunk returns exactly its rows of the attention map', async () => {
    const seen: number[] = [];
    const full = oracle.attention.get(1)!; // [Nq, T, T]
    await sessions.unfused.prefill(ids, {
      chunkSize: 14,
      fetch: ['attn_probs.1'],
      onChunk: ({ start, length, outputs }) => {
        const t = outputs['attn_probs.1']!,
          total = start + length;
        expect(t.dims).toEqual([1, TINY.num_attention_heads, length, total]);
        for (let h = 0; h < TINY.num_attention_heads; h++) {
          for (let s = 0; s < length; s++) {
            const got = (t.data as Float32Array).subarray((h * length + s) * total, (h * length + s + 1) * total);
            const want = full.subarray((h * T + start + s) * T, (h * T + start + s) * T + total);
            expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
          }
        }
        seen.push(length);
      },
    });
    expect(seen).toEqual([14, 14, 12]);
  });

  it('presents of the two forms are interchangeable: a fused cache continues in the unfused graph', async () => {
    const head = ids.slice(0, 25),
      tail = ids.slice(25);
    const cache = await sessions.fused.run(decoderFeeds(TINY, head), presentNames(TINY));
    const out = await sessions.unfused.run(decoderFeeds(TINY, tail, 25, cache), ['logits']);
    expect(maxAbsDiff(f32(out.logits), oracle.logits.subarray(25 * TINY.vocab_size))).toBeLessThan(TOL);
  });
});

describe('every dimension comes from the config', () => {
  const wide: Qwen3MoeConfig = {
    ...TINY,
    num_hidden_layers: 3,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 32,
    num_experts: 16,
    num_experts_per_tok: 4,
    moe_intermediate_size: 24,
    norm_topk_prob: false,
    tie_word_embeddings: true,
    vocab_size: 300,
    hidden_size: 96,
    rope_theta: 1e6,
  };
  const w: ModelWeights = randomWeights(wide, 2);
  it('3 layers, 8/2 heads, head_dim 32, 16 experts top-4, tied head, no renormalisation: both forms = oracle', async () => {
    const ids = tokenIds(17, wide.vocab_size, 2);
    const oracle = oracleForward(w, ids);
    for (const form of ['unfused', 'fused'] as const) {
      const m = await openModel(tempFile(`wide-${form}.onnx`, buildQwen3MoeGraph(w, { form })), { ep: 'cpu' });
      expect(m.contract).toMatchObject({ layers: 3, kvHeads: 2, headDim: 32, vocab: 300 });
      const out = await m.run(decoderFeeds(wide, ids), ['logits']);
      expect(maxAbsDiff(f32(out.logits), oracle.logits)).toBeLessThan(TOL);
      await m.close();
    }
  });
});

describe('bytes', () => {
  it('the same weights give the same bytes (sha256), for both forms', () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(buildQwen3MoeGraph(randomWeights(TINY, 1), { form: 'fused' }))).toBe(sha(bytes.fused));
    const again = buildQwen3MoeGraph(randomWeights(TINY, 1), {
      form: 'unfused',
      exposeAttentionProbs: true,
      exposeRouting: true,
    });
    expect(sha(again)).toBe(sha(bytes.unfused));
    expect(sha(bytes.fused)).not.toBe(sha(buildQwen3MoeGraph(randomWeights(TINY, 2), { form: 'fused' })));
  });

  const hasOnnx = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import onnx']).status === 0;
  if (!hasOnnx)
    console.warn(
      'skipping the onnx.checker test: /usr/bin/python3 has no onnx module (apt-get install -y python3-onnx)',
    );
  it.skipIf(!hasOnnx)('onnx.checker.check_model(full_check=True) accepts both forms', () => {
    for (const form of ['unfused', 'fused'] as const) {
      const p = tempFile(`${form}.onnx`, bytes[form]);
      const out = execFileSync(
        '/usr/bin/python3',
        ['-c', `import onnx; onnx.checker.check_model(${JSON.stringify(p)}, full_check=True); print('ok')`],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe('ok');
    }
  });

  it('carries the config and form in metadata_props', () => {
    for (const form of ['unfused', 'fused'] as const) {
      const m = onnxProto.onnx.ModelProto.decode(bytes[form]);
      const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
      expect(JSON.parse(meta[META_CONFIG]!)).toEqual(TINY);
      expect(meta[META_FORM]).toBe(form);
    }
  });
});
