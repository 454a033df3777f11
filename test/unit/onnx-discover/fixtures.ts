import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../analysis/onnx/graph-builder.ts';
import { int32Tensor } from '../../../analysis/onnx/tensor-proto.ts';
import { discoverModel } from '../../../analysis/onnx/discover/index.ts';
import { instrumentModel, planInstrumentation, type Instrumentation } from '../../../analysis/onnx/instrument/index.ts';
import { onnx } from '../../../analysis/onnx/read-model.ts';
import { attentionProbs, matmul, randoms, rotateHalf, routing, splitHeads } from './reference.ts';

/** A small graph in one form, the feeds to run it, and float64 references for what instrumenting must expose. */
export interface Fixture {
  bytes: Uint8Array;
  feeds: Record<string, ort.Tensor>;
  /** Reference per capture tensor name, plus which keys each (query, key) cell may see. */
  probs: Record<
    string,
    { values: Float64Array; total: number; visible: (i: number, j: number) => boolean; query: number }
  >;
  routing?: Record<number, { logits: Float64Array; ids: number[]; weights: number[] }>;
}

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
const causal =
  (offset = 0) =>
  (i: number, j: number) =>
    j <= i + offset;

/** Instruments serialized model bytes; returns the plan and the instrumented bytes. */
export function instrumentBytes(bytes: Uint8Array): { plan: Instrumentation; bytes: Uint8Array } {
  const model = onnx.ModelProto.decode(bytes);
  const plan = planInstrumentation(discoverModel(model));
  return { plan, bytes: onnx.ModelProto.encode(instrumentModel(model, plan)).finish() };
}

export async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/**
 * torch.onnx-style unfused GQA decoder attention, two layers with residuals: MatMul(Q, Kᵀ) → Mul → Add(mask) →
 * Softmax → MatMul(·, V), K/V repeated by Unsqueeze → Expand → Reshape. 4 query heads, 2 KV heads, head dim 4.
 */
export function unfusedGqa(): Fixture {
  const [B, S, H, KV, D] = [2, 5, 4, 2, 4];
  const hidden = H * D;
  const g = new GraphBuilder('unfused_gqa');
  let x = g.input('x', 'float32', [B, S, hidden]);
  g.input('mask', 'float32', [1, 1, S, S]);
  const xData = randoms(B * S * hidden, 1);
  const maskData = Float32Array.from({ length: S * S }, (_, n) =>
    n % S <= Math.floor(n / S) ? 0 : -3.4028234663852886e38,
  );
  const weights: Float32Array[][] = [];
  for (let L = 0; L < 2; L++) {
    const p = `/model/layers.${L}/self_attn`;
    const w = [
      randoms(hidden * hidden, 10 + L),
      randoms(hidden * KV * D, 20 + L),
      randoms(hidden * KV * D, 30 + L),
      randoms(hidden * hidden, 40 + L, 0.3),
    ];
    weights.push(w);
    const heads = (t: string, n: number, name: string) =>
      g.op('Transpose', [g.op('Reshape', [t, g.int64([0, 0, n, D])], { name: `${p}/${name}/Reshape` })], {
        name: `${p}/${name}/Transpose`,
        attrs: { perm: { ints: [0, 2, 1, 3] } },
      });
    const repeat = (t: string, name: string) =>
      g.op(
        'Reshape',
        [
          g.op(
            'Expand',
            [g.op('Unsqueeze', [t, g.int64([2])], { name: `${p}/${name}/Unsqueeze` }), g.int64([B, KV, H / KV, S, D])],
            { name: `${p}/${name}/Expand` },
          ),
          g.int64([B, H, S, D]),
        ],
        { name: `${p}/${name}/RepeatReshape` },
      );
    const q = heads(
      g.op('MatMul', [x, g.weight(`${p}.q.weight`, [hidden, hidden], w[0]!)], { name: `${p}/q_proj/MatMul` }),
      H,
      'q',
    );
    const k = repeat(
      heads(
        g.op('MatMul', [x, g.weight(`${p}.k.weight`, [hidden, KV * D], w[1]!)], { name: `${p}/k_proj/MatMul` }),
        KV,
        'k',
      ),
      'k',
    );
    const v = repeat(
      heads(
        g.op('MatMul', [x, g.weight(`${p}.v.weight`, [hidden, KV * D], w[2]!)], { name: `${p}/v_proj/MatMul` }),
        KV,
        'v',
      ),
      'v',
    );
    const kt = g.op('Transpose', [k], { name: `${p}/Transpose_kt`, attrs: { perm: { ints: [0, 1, 3, 2] } } });
    const scores = g.op(
      'Add',
      [
        g.op('Mul', [g.op('MatMul', [q, kt], { name: `${p}/MatMul` }), g.float(1 / Math.sqrt(D))], {
          name: `${p}/Mul`,
        }),
        'mask',
      ],
      { name: `${p}/Add` },
    );
    const probs = g.op('Softmax', [scores], { name: `${p}/Softmax`, attrs: { axis: { i: -1 } } });
    const ctx = g.op(
      'Reshape',
      [
        g.op('Transpose', [g.op('MatMul', [probs, v], { name: `${p}/MatMul_1` })], {
          name: `${p}/Transpose_o`,
          attrs: { perm: { ints: [0, 2, 1, 3] } },
        }),
        g.int64([0, 0, hidden]),
      ],
      { name: `${p}/Reshape_o` },
    );
    x = g.op(
      'Add',
      [x, g.op('MatMul', [ctx, g.weight(`${p}.o.weight`, [hidden, hidden], w[3]!)], { name: `${p}/o_proj/MatMul` })],
      { name: `/model/layers.${L}/Add` },
    );
  }
  g.output(x, 'float32', [B, S, hidden]);
  // Float64 forward of the same two layers.
  const probs: Fixture['probs'] = {};
  let h64 = Float64Array.from(xData);
  weights.forEach((w, L) => {
    const q = splitHeads(matmul(h64, w[0]!, B * S, hidden, hidden), B, S, H, D);
    const k = splitHeads(matmul(h64, w[1]!, B * S, hidden, KV * D), B, S, KV, D);
    const v = splitHeads(matmul(h64, w[2]!, B * S, hidden, KV * D), B, S, KV, D);
    const p = attentionProbs(
      q,
      k,
      { batch: B, heads: H, kvHeads: KV, query: S, total: S, dim: D },
      1 / Math.sqrt(D),
      causal(),
    );
    probs[`acc_lens.attn_probs.${L}`] = { values: p, total: S, query: S, visible: causal() };
    const ctx = new Float64Array(B * S * hidden);
    for (let b = 0; b < B; b++)
      for (let hh = 0; hh < H; hh++)
        for (let i = 0; i < S; i++)
          for (let d = 0; d < D; d++) {
            let acc = 0;
            for (let j = 0; j < S; j++)
              acc += p[((b * H + hh) * S + i) * S + j]! * v[((b * KV + Math.floor(hh / (H / KV))) * S + j) * D + d]!;
            ctx[(b * S + i) * hidden + hh * D + d] = acc;
          }
    const o = matmul(ctx, w[3]!, B * S, hidden, hidden);
    h64 = h64.map((val, n) => val + o[n]!);
  });
  return {
    bytes: g.encode({ opsets: { '': 17 } }),
    feeds: { x: f32(xData, [B, S, hidden]), mask: f32(maskData, [1, 1, S, S]) },
    probs,
  };
}

/** ONNX Attention (opset 23) with the shapes and attributes of an onnx/onnx backend test (see test/fixtures/onnx-attention/README.md). */
export function onnxAttention(o: {
  q: number[];
  k: number[];
  causal?: boolean;
  qkOutput?: number;
  seed: number;
}): Fixture {
  const [B, H, S, D] = o.q as [number, number, number, number];
  const [, KV, T] = o.k as [number, number, number, number];
  const g = new GraphBuilder('onnx_attention');
  for (const [name, dims] of [
    ['Q', o.q],
    ['K', o.k],
    ['V', o.k],
  ] as const)
    g.input(name, 'float32', dims);
  const outputs = o.qkOutput === undefined ? ['Y'] : ['Y', '', '', 'qk_matmul_output'];
  const attrs = {
    ...(o.causal ? { is_causal: { i: 1 } } : {}),
    ...(o.qkOutput ? { qk_matmul_output_mode: { i: o.qkOutput } } : {}),
  };
  g.node('Attention', ['Q', 'K', 'V'], { name: 'Attention', outputs, attrs });
  g.output('Y', 'float32', [B, H, S, D]);
  if (o.qkOutput !== undefined) g.output('qk_matmul_output', 'float32', [B, H, S, T]);
  const q = randoms(B * H * S * D, o.seed);
  const k = randoms(B * KV * T * D, o.seed + 1);
  const v = randoms(B * KV * T * D, o.seed + 2);
  const visible = o.causal ? causal() : () => true;
  const values = attentionProbs(
    q,
    k,
    { batch: B, heads: H, kvHeads: KV, query: S, total: T, dim: D },
    1 / Math.sqrt(D),
    visible,
  );
  return {
    bytes: g.encode({ opsets: { '': 23 }, irVersion: 10 }),
    feeds: { Q: f32(q, o.q), K: f32(k, o.k), V: f32(v, o.k) },
    probs: { 'acc_lens.attn_probs.0': { values, total: T, query: S, visible } },
  };
}

/** com.microsoft GroupQueryAttention with do_rotary (rotate-half), prompt without past: seqlens_k = S − 1, total = S. */
export function gqaRotary(): Fixture {
  // The CPU kernel requires head_size % 16 == 0.
  const [B, S, H, KV, D, maxPos] = [1, 6, 4, 2, 16, 8];
  const g = new GraphBuilder('gqa_rotary');
  g.input('query', 'float32', [B, S, H * D]);
  g.input('key', 'float32', [B, S, KV * D]);
  g.input('value', 'float32', [B, S, KV * D]);
  g.initializer(int32Tensor('seqlens_k', [B], [S - 1]));
  g.initializer(int32Tensor('total_sequence_length', [], [S]));
  const inv = Array.from({ length: D / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / D));
  const cos = Float32Array.from({ length: (maxPos * D) / 2 }, (_, n) =>
    Math.cos(Math.floor(n / (D / 2)) * inv[n % (D / 2)]!),
  );
  const sin = Float32Array.from({ length: (maxPos * D) / 2 }, (_, n) =>
    Math.sin(Math.floor(n / (D / 2)) * inv[n % (D / 2)]!),
  );
  g.weight('cos_cache', [maxPos, D / 2], cos);
  g.weight('sin_cache', [maxPos, D / 2], sin);
  g.node(
    'GroupQueryAttention',
    ['query', 'key', 'value', '', '', 'seqlens_k', 'total_sequence_length', 'cos_cache', 'sin_cache'],
    {
      name: '/model/layers.0/attn/GroupQueryAttention',
      domain: 'com.microsoft',
      outputs: ['output', 'present_key', 'present_value'],
      attrs: { num_heads: { i: H }, kv_num_heads: { i: KV }, do_rotary: { i: 1 } },
    },
  );
  g.output('output', 'float32', [B, S, H * D]);
  g.output('present_key', 'float32', [B, KV, S, D]);
  g.output('present_value', 'float32', [B, KV, S, D]);
  const [q, k, v] = [randoms(B * S * H * D, 5), randoms(B * S * KV * D, 6), randoms(B * S * KV * D, 7)];
  const qr = rotateHalf(splitHeads(q, B, S, H, D), B, H, S, D, cos, sin);
  const kr = rotateHalf(splitHeads(k, B, S, KV, D), B, KV, S, D, cos, sin);
  const values = attentionProbs(
    qr,
    kr,
    { batch: B, heads: H, kvHeads: KV, query: S, total: S, dim: D },
    1 / Math.sqrt(D),
    causal(),
  );
  return {
    bytes: g.encode({ opsets: { '': 17, 'com.microsoft': 1 } }),
    feeds: { query: f32(q, [B, S, H * D]), key: f32(k, [B, S, KV * D]), value: f32(v, [B, S, KV * D]) },
    probs: { 'acc_lens.attn_probs.0': { values, total: S, query: S, visible: causal() } },
  };
}

/** com.microsoft MultiHeadAttention, causal (unidirectional=1), no probability output until instrumented. */
export function mha(): Fixture {
  const [B, S, H, D] = [2, 5, 2, 4];
  const g = new GraphBuilder('mha');
  for (const name of ['query', 'key', 'value']) g.input(name, 'float32', [B, S, H * D]);
  g.node('MultiHeadAttention', ['query', 'key', 'value'], {
    name: 'mha',
    domain: 'com.microsoft',
    outputs: ['output'],
    attrs: { num_heads: { i: H }, unidirectional: { i: 1 } },
  });
  g.output('output', 'float32', [B, S, H * D]);
  const [q, k, v] = [randoms(B * S * H * D, 8), randoms(B * S * H * D, 9), randoms(B * S * H * D, 10)];
  const values = attentionProbs(
    splitHeads(q, B, S, H, D),
    splitHeads(k, B, S, H, D),
    { batch: B, heads: H, kvHeads: H, query: S, total: S, dim: D },
    1 / Math.sqrt(D),
    causal(),
  );
  return {
    bytes: g.encode({ opsets: { '': 17, 'com.microsoft': 1 } }),
    feeds: { query: f32(q, [B, S, H * D]), key: f32(k, [B, S, H * D]), value: f32(v, [B, S, H * D]) },
    probs: { 'acc_lens.attn_probs.0': { values, total: S, query: S, visible: causal() } },
  };
}

/**
 * Two explicit routers: layer 0 Qwen-style MatMul → Softmax → TopK → renormalise; layer 1 Mixtral-style
 * MatMul → TopK on logits → Softmax over the top-k.
 */
export function explicitRouters(): Fixture {
  const [T, hidden, E, k] = [7, 8, 6, 2];
  const g = new GraphBuilder('routers');
  g.input('x', 'float32', [T, hidden]);
  const x = randoms(T * hidden, 11);
  const w = [randoms(hidden * E, 12), randoms(hidden * E, 13)];
  const kName = g.int64([k]);
  const l0 = g.op('MatMul', ['x', g.weight('model.layers.0.mlp.gate.weight', [hidden, E], w[0]!)], {
    name: '/model/layers.0/mlp/gate/MatMul',
  });
  const p0 = g.op('Softmax', [l0], { name: '/model/layers.0/mlp/Softmax', attrs: { axis: { i: -1 } } });
  const [v0, i0] = g.node('TopK', [p0, kName], {
    name: '/model/layers.0/mlp/TopK',
    outputs: 2,
    attrs: { axis: { i: -1 } },
  });
  const s0 = g.op('ReduceSum', [v0!, g.int64([-1])], {
    name: '/model/layers.0/mlp/ReduceSum',
    attrs: { keepdims: { i: 1 } },
  });
  const w0 = g.op('Div', [v0!, s0], { name: '/model/layers.0/mlp/Div' });
  const l1 = g.op('MatMul', ['x', g.weight('model.layers.1.block_sparse_moe.gate.weight', [hidden, E], w[1]!)], {
    name: '/model/layers.1/block_sparse_moe/gate/MatMul',
  });
  const [v1, i1] = g.node('TopK', [l1, kName], {
    name: '/model/layers.1/block_sparse_moe/TopK',
    outputs: 2,
    attrs: { axis: { i: -1 } },
  });
  const w1 = g.op('Softmax', [v1!], { name: '/model/layers.1/block_sparse_moe/Softmax', attrs: { axis: { i: -1 } } });
  for (const [name, type] of [
    [w0, 'float32'],
    [i0!, 'int64'],
    [w1, 'float32'],
    [i1!, 'int64'],
  ] as const)
    g.output(name, type, [T, k]);
  const r: NonNullable<Fixture['routing']> = {};
  w.forEach((weights, L) => {
    const logits = matmul(x, weights, T, hidden, E);
    r[L] = { logits, ...routing(logits, T, E, k, L === 0, L === 0) };
  });
  return { bytes: g.encode({ opsets: { '': 17 } }), feeds: { x: f32(x, [T, hidden]) }, probs: {}, routing: r };
}

/** com.microsoft MoE: router logits from a gate MatMul into router_probs; k=2, renormalised, relu experts. */
export function msMoe(): Fixture {
  const [T, hidden, E, inter, k] = [5, 8, 4, 6, 2];
  const g = new GraphBuilder('moe');
  g.input('x', 'float32', [T, hidden]);
  const x = randoms(T * hidden, 14);
  const gate = randoms(hidden * E, 15);
  const logits = g.op('MatMul', ['x', g.weight('model.layers.0.mlp.gate.weight', [hidden, E], gate)], {
    name: '/model/layers.0/mlp/gate/MatMul',
  });
  const fc1 = g.weight('fc1', [E, inter, hidden], randoms(E * inter * hidden, 16, 0.5));
  const fc2 = g.weight('fc2', [E, hidden, inter], randoms(E * hidden * inter, 17, 0.5));
  g.node('MoE', ['x', logits, fc1, '', fc2], {
    name: '/model/layers.0/mlp/MoE',
    domain: 'com.microsoft',
    outputs: ['y'],
    attrs: { k: { i: k }, activation_type: { s: 'relu' }, normalize_routing_weights: { i: 1 } },
  });
  g.output('y', 'float32', [T, hidden]);
  const l64 = matmul(x, gate, T, hidden, E);
  return {
    bytes: g.encode({ opsets: { '': 17, 'com.microsoft': 1 } }),
    feeds: { x: f32(x, [T, hidden]) },
    probs: {},
    routing: { 0: { logits: l64, ...routing(l64, T, E, k, true) } },
  };
}
