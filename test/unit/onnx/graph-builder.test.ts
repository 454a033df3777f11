import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../analysis/onnx/graph-builder.ts';
import { floatTensor, int64Tensor, littleEndianBytes } from '../../../analysis/onnx/tensor-proto.ts';

const { onnx } = onnxProto;
type GraphProto = onnxProto.onnx.GraphProto;

/** The decoded graph with its repeated fields typed as present (protobufjs fills them). */
const graphOf = (bytes: Uint8Array): GraphProto => onnx.ModelProto.decode(bytes).graph as GraphProto;

function affine(): GraphBuilder {
  const g = new GraphBuilder('affine');
  g.input('x', 'float32', ['batch', 2]);
  const w = g.weight('w', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
  const y = g.op('MatMul', ['x', w], { name: 'mm' });
  const s = g.op('Mul', [y, g.float(0.5)], { name: 'scale' });
  g.node('Reshape', [s, g.int64([-1])], { name: 'flat', outputs: ['y'] });
  g.output('y', 'float32', ['flat']);
  return g;
}

describe('littleEndianBytes', () => {
  it('writes float32 1.0 as 00 00 80 3f and int64 -2 as fe ff … ff', () => {
    expect([...littleEndianBytes(Float32Array.of(1))]).toEqual([0, 0, 0x80, 0x3f]);
    expect([...littleEndianBytes(BigInt64Array.of(-2n))]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });
  it('floatTensor rejects dims that do not match the data', () => {
    expect(() => floatTensor('w', [2, 2], new Float32Array(3))).toThrow(/need 4 elements, got 3/);
    expect(int64Tensor('a', [], [5]).dims).toEqual([]);
  });
});

describe('GraphBuilder', () => {
  it('encode() round-trips through the ONNX protobuf: names, symbolic dims, raw data, opsets, metadata', () => {
    const bytes = affine().encode({ opsets: { '': 17 }, metadata: { k: 'v' } });
    const m = onnx.ModelProto.decode(bytes);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(m.metadataProps.map((p) => [p.key, p.value])).toEqual([['k', 'v']]);
    const graph = graphOf(bytes);
    expect(graph.node.map((n) => n.opType)).toEqual(['MatMul', 'Mul', 'Reshape']);
    expect(graph.input[0]?.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))).toEqual([
      'batch',
      2,
    ]);
    const w = graph.initializer.find((t) => t.name === 'w');
    expect(Array.from(new Float32Array(new Uint8Array(w?.rawData ?? []).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('the encoded model runs in onnxruntime: y = (x·w)·0.5', async () => {
    const s = await ort.InferenceSession.create(affine().encode({ opsets: { '': 17 } }));
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2.5, 3.5, 4.5]);
    await s.release();
  });

  it('same calls → same bytes; shared constants are emitted once', () => {
    const a = affine().encode({ opsets: { '': 17 } }),
      b = affine().encode({ opsets: { '': 17 } });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const g = new GraphBuilder('c');
    expect(g.int64([1, 2])).toBe(g.int64([1, 2]));
    expect(g.int64([1, 2])).not.toBe(g.int64([3]));
    expect(g.int64([1], true)).not.toBe(g.int64([1]));
    expect(g.float(0.5)).toBe(g.float(0.5));
  });

  it('node names are made unique; duplicate tensor names throw', () => {
    const g = new GraphBuilder('u');
    g.input('x', 'float32', [1]);
    expect(g.op('Relu', ['x'], { name: 'r' })).toBe('r_output_0');
    expect(g.op('Relu', ['x'], { name: 'r' })).toBe('r_1_output_0');
    expect(() => g.input('x', 'float32', [1])).toThrow(/duplicate/);
    g.weight('w', [1], new Float32Array(1));
    expect(() => g.weight('w', [1], new Float32Array(1))).toThrow(/duplicate/);
  });

  it('tags attributes by type (INT vs FLOAT vs STRING)', () => {
    const g = new GraphBuilder('a');
    g.node('Foo', [], {
      name: 'n',
      domain: 'x',
      attrs: { a: { i: 1 }, b: { f: 1 }, c: { s: 'silu' }, d: { ints: [0, 2] } },
    });
    const attrs = graphOf(g.encode({ opsets: { '': 17, x: 1 } })).node[0]?.attribute ?? [];
    const T = onnx.AttributeProto.AttributeType;
    expect(attrs.map((a) => a.type)).toEqual([T.INT, T.FLOAT, T.STRING, T.INTS]);
    expect(new TextDecoder().decode(attrs[2]?.s ?? new Uint8Array())).toBe('silu');
  });
});
