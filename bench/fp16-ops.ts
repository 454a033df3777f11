import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
type Elem = number;
interface Input {
  name: string;
  elem: Elem;
  dims: number[];
  data?: Uint16Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;
}
interface Case {
  op: string;
  domain?: string;
  opset?: number;
  inputs: Input[];
  outputs: Elem[];
  attrs?: onnxProto.onnx.IAttributeProto[];
}

const F16 = T.FLOAT16,
  F32 = T.FLOAT;
const x = (name: string, dims: number[], elem: Elem = F16, data?: Input['data']): Input => ({ name, elem, dims, data });
const i64 = (name: string, v: bigint[]) => x(name, [v.length], T.INT64, BigInt64Array.from(v));
const ai = (name: string, i: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const af = (name: string, f: number) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const as = (name: string, s: string) => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(s),
});
const ints = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });

const moeAttrs = [
  ai('k', 2),
  ai('normalize_routing_weights', 1),
  as('activation_type', 'swiglu'),
  ai('swiglu_fusion', 1),
  af('activation_alpha', 1),
  af('activation_beta', 0),
  af('swiglu_limit', 3.4e38),
];
const gqa = (t: Elem, qk: boolean): Case => ({
  op: 'GroupQueryAttention',
  domain: 'com.microsoft',
  inputs: [
    x('q', [1, 3, 64], t),
    x('k', [1, 3, 32], t),
    x('v', [1, 3, 32], t),
    x('pk', [1, 2, 0, 16], t),
    x('pv', [1, 2, 0, 16], t),
    x('sl', [1], T.INT32, Int32Array.of(2)),
    x('tot', [], T.INT32, Int32Array.of(3)),
    x('cos', [32, 8], t),
    x('sin', [32, 8], t),
  ],
  outputs: qk ? [t, t, t, t] : [t, t, t],
  attrs: [
    ai('num_heads', 4),
    ai('kv_num_heads', 2),
    ai('do_rotary', 1),
    af('scale', 0.25),
    ...(qk ? [ai('qk_output', 2)] : []),
  ],
});

/** The ops the two graph forms use (and a few exporters emit), each with float16 tensors. */
const CASES: Record<string, Case> = {
  MatMul: { op: 'MatMul', inputs: [x('a', [2, 3, 4]), x('b', [4, 5])], outputs: [F16] },
  'Gemm (transB)': { op: 'Gemm', inputs: [x('a', [3, 4]), x('b', [5, 4])], outputs: [F16], attrs: [ai('transB', 1)] },
  Softmax: { op: 'Softmax', inputs: [x('a', [2, 5])], outputs: [F16], attrs: [ai('axis', -1)] },
  Add: { op: 'Add', inputs: [x('a', [2, 5]), x('b', [5])], outputs: [F16] },
  Mul: { op: 'Mul', inputs: [x('a', [2, 5]), x('b', [5])], outputs: [F16] },
  Div: { op: 'Div', inputs: [x('a', [2, 5]), x('b', [2, 1])], outputs: [F16] },
  Sqrt: { op: 'Sqrt', inputs: [x('a', [2, 5])], outputs: [F16] },
  Sigmoid: { op: 'Sigmoid', inputs: [x('a', [2, 5])], outputs: [F16] },
  ReduceMean: {
    op: 'ReduceMean',
    inputs: [x('a', [2, 5])],
    outputs: [F16],
    attrs: [ints('axes', [-1])],
  },
  'Gather (embedding)': {
    op: 'Gather',
    inputs: [x('a', [10, 4]), x('i', [1, 3], T.INT64, BigInt64Array.of(1n, 2n, 3n))],
    outputs: [F16],
  },
  TopK: { op: 'TopK', inputs: [x('a', [2, 5]), i64('k', [2n])], outputs: [F16, T.INT64] },
  ScatterElements: {
    op: 'ScatterElements',
    inputs: [x('a', [2, 5]), x('i', [2, 2], T.INT64, BigInt64Array.of(0n, 1n, 2n, 3n)), x('u', [2, 2])],
    outputs: [F16],
    attrs: [ai('axis', 1)],
  },
  Concat: { op: 'Concat', inputs: [x('a', [2, 5]), x('b', [2, 5])], outputs: [F16], attrs: [ai('axis', -1)] },
  Slice: { op: 'Slice', inputs: [x('a', [2, 6]), i64('s', [0n]), i64('e', [3n]), i64('ax', [-1n])], outputs: [F16] },
  Transpose: { op: 'Transpose', inputs: [x('a', [2, 3])], outputs: [F16] },
  Reshape: { op: 'Reshape', inputs: [x('a', [2, 3]), i64('s', [-1n])], outputs: [F16] },
  'Cast (float16 → float32)': { op: 'Cast', inputs: [x('a', [2, 3])], outputs: [F32], attrs: [ai('to', F32)] },
  Where: { op: 'Where', inputs: [x('c', [2, 5], T.BOOL), x('a', [1]), x('b', [1])], outputs: [F16] },
  'SimplifiedLayerNormalization (ms RMSNorm)': {
    op: 'SimplifiedLayerNormalization',
    inputs: [x('a', [2, 8]), x('g', [8])],
    outputs: [F16],
    attrs: [ai('axis', -1), af('epsilon', 1e-6)],
  },
  'RMSNormalization (opset 23)': {
    op: 'RMSNormalization',
    opset: 23,
    inputs: [x('a', [2, 8]), x('g', [8])],
    outputs: [F16],
    attrs: [ai('axis', -1), af('epsilon', 1e-6)],
  },
  'GroupQueryAttention (do_rotary)': gqa(F16, false),
  'GroupQueryAttention (qk_output=2)': gqa(F16, true),
  'MoE (swiglu)': {
    op: 'MoE',
    domain: 'com.microsoft',
    inputs: [x('x', [3, 8]), x('r', [3, 4]), x('fc1', [4, 12, 8]), x('', [0]), x('fc2', [4, 8, 6])],
    outputs: [F16],
    attrs: moeAttrs,
  },
  'MoE (float32 router logits)': {
    op: 'MoE',
    domain: 'com.microsoft',
    inputs: [x('x', [3, 8]), x('r', [3, 4], F32), x('fc1', [4, 12, 8]), x('', [0]), x('fc2', [4, 8, 6])],
    outputs: [F16],
    attrs: moeAttrs,
  },
  MultiHeadAttention: {
    op: 'MultiHeadAttention',
    domain: 'com.microsoft',
    inputs: [x('q', [1, 3, 32]), x('k', [1, 3, 32]), x('v', [1, 3, 32])],
    outputs: [F16],
    attrs: [ai('num_heads', 2)],
  },
  'Attention (opset 23)': {
    op: 'Attention',
    opset: 23,
    inputs: [x('q', [1, 2, 3, 16]), x('k', [1, 2, 3, 16]), x('v', [1, 2, 3, 16])],
    outputs: [F16],
  },
  'RotaryEmbedding (opset 23)': {
    op: 'RotaryEmbedding',
    opset: 23,
    inputs: [x('x', [1, 2, 3, 16]), x('c', [1, 3, 8]), x('s', [1, 3, 8])],
    outputs: [F16],
  },
};

const ORT_TYPE: Record<number, ort.Tensor.Type> = {
  [F16]: 'float16',
  [F32]: 'float32',
  [T.INT64]: 'int64',
  [T.INT32]: 'int32',
  [T.BOOL]: 'bool',
};

function tensor(i: Input): ort.Tensor {
  const n = i.dims.reduce((a, b) => a * b, 1);
  const data =
    i.data ??
    (i.elem === F16
      ? new Uint16Array(n).fill(0x3c00)
      : i.elem === F32
        ? new Float32Array(n).fill(1)
        : i.elem === T.BOOL
          ? new Uint8Array(n).fill(1)
          : new BigInt64Array(n).fill(1n));
  return new ort.Tensor(ORT_TYPE[i.elem]!, data as Uint16Array, i.dims);
}

/** How ORT's CPU provider runs one float16 node: its own kernel, through Casts to float32 it inserts, or not at all. */
async function probe(c: Case, dir: string): Promise<{ runs: string; nodes_after_partitioning: string }> {
  const vi = (name: string, elem: Elem, dims?: number[]) => ({
    name,
    type: { tensorType: { elemType: elem, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } },
  });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [
      { domain: '', version: c.opset ?? 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: c.op,
      node: [
        {
          opType: c.op,
          domain: c.domain ?? '',
          input: c.inputs.map((i) => i.name),
          output: c.outputs.map((_, k) => `y${k}`),
          attribute: c.attrs ?? [],
        },
      ],
      input: c.inputs.filter((i) => i.name !== '').map((i) => vi(i.name, i.elem, i.dims)),
      output: c.outputs.map((e, k) => vi(`y${k}`, e)),
    },
  }).finish();
  const saved = join(dir, `${c.op}.onnx`);
  try {
    const s = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'disabled',
      optimizedModelFilePath: saved,
      logSeverityLevel: 4,
    });
    await s.run(Object.fromEntries(c.inputs.filter((i) => i.name !== '').map((i) => [i.name, tensor(i)])));
    await s.release();
    const nodes = (onnx.ModelProto.decode(readFileSync(saved)).graph!.node ?? []).map((n) => n.opType ?? '');
    const casts = nodes.filter((n) => n === 'Cast').length - (c.op === 'Cast' ? 1 : 0);
    return {
      runs: casts > 0 ? 'float32 (ORT inserts Casts)' : 'float16 kernel',
      nodes_after_partitioning: nodes.join(' '),
    };
  } catch (e) {
    return { runs: 'fails', nodes_after_partitioning: (e as Error).message.split('\n')[0]!.slice(0, 160) };
  }
}

/**
 * Which float16 ops ONNX Runtime's CPU provider runs natively, which it runs in float32 behind Casts it
 * inserts itself (session still works; the weights behind constant-folded Casts are held in float32), and
 * which fail. CUDA is not measured here (no GPU on this machine).
 */
export async function benchFp16Ops(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'acc-lens-fp16-ops-'));
  try {
    const ops: Record<string, unknown> = {};
    for (const [name, c] of Object.entries(CASES)) ops[name] = await probe(c, dir);
    return { onnxruntime: ort.env.versions.common, execution_provider: 'cpu', ops };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
