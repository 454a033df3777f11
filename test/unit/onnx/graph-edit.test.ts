import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Discovery } from '../../../analysis/onnx/discover/index.ts';
import { GraphEdit, removeDeadNodes, type ElemType } from '../../../analysis/onnx/edit/index.ts';
import {
  addCaptureTensors,
  exposeCaptureOutputs,
  planInstrumentation,
} from '../../../analysis/onnx/instrument/index.ts';
import { onnx, type ModelProto } from '../../../analysis/onnx/read-model.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../../analysis/onnx/tensor-proto.ts';

const T = onnx.TensorProto.DataType;
const CODE: Record<string, number> = { float32: T.FLOAT, float16: T.FLOAT16, int64: T.INT64 };

/** An empty model with graph input `x` of `elem` [2, 3] and the given ai.onnx opset. */
function model(elem: ElemType, opset = 17): ModelProto {
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      input: [
        {
          name: 'x',
          type: { tensorType: { elemType: CODE[elem]!, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } },
        },
      ],
    },
  });
}

async function run(m: ModelProto, x: ort.Tensor): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(onnx.ModelProto.encode(m).finish());
  const out = await s.run({ x });
  await s.release();
  return out as Record<string, ort.Tensor>;
}

const f16 = (values: number[]) => new ort.Tensor('float16', float32ToFloat16Bits(values), [2, 3]);
const f32 = (values: number[]) => new ort.Tensor('float32', Float32Array.from(values), [2, 3]);

describe('GraphEdit.constant', () => {
  it('scalar(0.5, float16) meets a float16 tensor: x + 0.5 comes back as float16, exactly', async () => {
    const m = model('float16');
    const e = new GraphEdit(m);
    e.output(e.op('Add', ['x', e.scalar(0.5, 'float16')], 'y'));
    e.commit();
    const y = (await run(m, f16([1, 2, 3, -1, 0.25, 100]))).y!;
    expect(y.type).toBe('float16');
    expect([...float16BitsToFloat32(y.data as Uint16Array)]).toEqual([1.5, 2.5, 3.5, -0.5, 0.75, 100.5]);
  });

  it('a float32 constant against a float16 tensor is what ONNX Runtime refuses (why constants take an element type)', async () => {
    const m = model('float16');
    const e = new GraphEdit(m);
    e.output(e.op('Add', ['x', e.scalar(0.5, 'float32')], 'y'));
    e.commit();
    await expect(run(m, f16([1, 2, 3, 4, 5, 6]))).rejects.toThrow(/float|type/i);
  });

  it('bfloat16 constants hold the rounded bfloat16 value: Cast(bf16 1/3 → float32) = 0.333984375', async () => {
    const m = model('float32');
    const e = new GraphEdit(m);
    const third = e.op('Cast', [e.scalar(1 / 3, 'bfloat16')], 'third', { to: T.FLOAT });
    e.output(e.op('Add', ['x', third], 'y'));
    e.commit();
    const y = (await run(m, f32([0, 0, 0, 0, 0, 0]))).y!;
    expect((y.data as Float32Array)[0]).toBe(0.333984375);
  });

  it('is shared by value across edits of one graph, and names carry dtype, shape and value', () => {
    const m = model('float32');
    const a = new GraphEdit(m);
    expect(a.int64([-1])).toBe('acc_lens.const.i64.m1');
    expect(a.int64([-1])).toBe('acc_lens.const.i64.m1');
    expect(a.scalar(-1e30, 'float32')).toBe('acc_lens.const.f32.scalar.m1e30');
    expect(a.constant([1, 2, 3, 4], 'int64', [2, 2])).toBe('acc_lens.const.i64.2x2.1_2_3_4');
    a.commit();
    const b = new GraphEdit(m);
    expect(b.int64([-1])).toBe('acc_lens.const.i64.m1');
    b.commit();
    expect(m.graph!.node!.filter((n) => n.opType === 'Constant')).toHaveLength(3);
  });
});

describe('GraphEdit.reduce', () => {
  it('writes axes as an attribute before the opset that moved them to an input, and as an input from it; both compute the same', async () => {
    const x = [3, 1, 2, -4, 7, 0];
    for (const [op, moved, expected] of [
      ['ReduceMax', 18, [3, 7]],
      ['ReduceSum', 13, [6, 3]],
    ] as const) {
      for (const opset of [moved - 1, moved]) {
        const m = model('float32', opset);
        const e = new GraphEdit(m);
        e.output(e.reduce(op, 'x', [-1], 'y'));
        e.commit();
        const node = m.graph!.node!.find((n) => n.opType === op)!;
        expect(node.input!.length, `${op} opset ${opset}`).toBe(opset >= moved ? 2 : 1);
        expect([...((await run(m, f32(x))).y!.data as Float32Array)]).toEqual(expected);
      }
    }
  });
});

describe('GraphEdit naming', () => {
  it('refuses a tensor produced twice, and renameOutput frees the old name', () => {
    const m = model('float32');
    const e = new GraphEdit(m);
    e.op('Relu', ['x'], 'r');
    expect(() => e.op('Neg', ['x'], 'r')).toThrow(/already produced/);
    expect(() => e.input('x', 'float32', [1])).toThrow(/already exists/);
    const q = onnx.NodeProto.create({ opType: 'Relu', input: ['x'], output: ['q'] });
    m.graph!.node = [q];
    const f = new GraphEdit(m);
    expect(() => f.op('Neg', ['x'], 'q')).toThrow(/already produced/);
    f.renameOutput(q, 'q', 'q2');
    expect(q.output).toEqual(['q2']);
    expect(f.op('Neg', ['x'], 'q')).toBe('q');
  });

  it('floatType: the tensor’s declared type, else the model’s first float input or output, else float32', () => {
    const m = model('float16');
    const e = new GraphEdit(m);
    expect(e.floatType('x')).toBe('float16');
    expect(e.floatType('unknown')).toBe('float16');
    expect(new GraphEdit(model('int64')).floatType('x')).toBe('float32');
  });
});

describe('removeDeadNodes', () => {
  it('removes chains that no graph output reads and keeps the rest', () => {
    const m = model('float32');
    const e = new GraphEdit(m);
    e.op('Neg', [e.op('Relu', ['x'], 'dead1')], 'dead2');
    e.output(e.op('Abs', ['x'], 'y'));
    e.commit();
    expect(removeDeadNodes(m)).toBe(2);
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Abs']);
  });
});

describe('masked Softmax of pre-softmax scores (softmax-of-output): mask test in the scores’ type, probabilities in float32', () => {
  it('float16 scores: visible rows are the softmax (float32), a row with every key at float16 lowest comes out all 0', async () => {
    const m = model('float16');
    m.graph!.node = [onnx.NodeProto.create({ opType: 'Identity', input: ['x'], output: ['qk'], name: 'scores' })];
    const discovery: Discovery = {
      attention: [
        {
          form: 'mha',
          node: 'scores',
          nodeIndex: 0,
          layer: 0,
          queryHeads: 1,
          kvHeads: 1,
          capture: { how: 'softmax-of-output', outputIndex: 0 },
          shape: [2, 3],
        },
      ],
      routers: [],
      uncapturable: [],
      family: null,
      kvCacheInputs: [],
    };
    const plan = planInstrumentation(discovery);
    addCaptureTensors(m, plan);
    exposeCaptureOutputs(m, plan.tensors);
    const lowest = -65504;
    const out = (await run(m, f16([0, Math.log(3), lowest, lowest, lowest, lowest])))['acc_lens.attn_probs.0']!;
    expect(out.type).toBe('float32');
    const p = out.data as Float32Array;
    expect(p[0]).toBeCloseTo(0.25, 3);
    expect(p[1]).toBeCloseTo(0.75, 3);
    expect(p[2]).toBe(0);
    expect([...p.slice(3)]).toEqual([0, 0, 0]);
  });
});
