import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOnnxWithExternalData } from '../../../analysis/io/onnx-external.ts';
import { Float16OverflowError, GraphBuilder, type ChunkedValues } from '../../../analysis/onnx/graph-builder.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../../analysis/onnx/tensor-proto.ts';
import { removeTempDirs, tempDir } from '../../integration/hf-fixture.ts';

const { onnx } = onnxProto;
const N = 512; // w is [N, N] float32 = 1 MiB: aligned to 4,096 in the data file

const wValues = Float32Array.from({ length: N * N }, (_, i) => ((i % 13) - 6) / 64);
/** The same values in three uneven pieces, produced on demand. */
const wPieces: ChunkedValues = {
  length: N * N,
  *chunks() {
    yield wValues.subarray(0, 1000);
    yield wValues.subarray(1000, 200_000);
    yield wValues.subarray(200_000);
  },
};

function model(w: Float32Array | ChunkedValues, elem: 'float32' | 'float16' = 'float32'): GraphBuilder {
  const g = new GraphBuilder('ext');
  g.input('x', elem, ['batch', N]);
  const y = g.op('MatMul', ['x', g.weight('w', [N, N], w, elem)], { name: 'mm' });
  g.node('Add', [y, g.weight('b', [N], new Float32Array(N).fill(0.5), elem)], { name: 'bias', outputs: ['y'] });
  g.output('y', elem, ['batch', N]);
  return g;
}

const initializer = (path: string, name: string) =>
  onnx.ModelProto.decode(readFileSync(path)).graph!.initializer!.find((t) => t.name === name)!;

afterAll(removeTempDirs);
describe('GraphBuilder.externalize + writeOnnxWithExternalData', () => {
  it('weights go to MODEL.onnx.data in order at aligned offsets; the model runs from its file', async () => {
    const path = join(tempDir('ext'), 'm.onnx');
    const files = writeOnnxWithExternalData(path, model(wPieces), () => ({ opsets: { '': 17 } }));
    const w = initializer(path, 'w');
    expect(w.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    const e = Object.fromEntries(w.externalData!.map((x) => [x.key, x.value]));
    expect(e).toEqual({ location: 'm.onnx.data', offset: '0', length: String(N * N * 4) });
    const b = Object.fromEntries(initializer(path, 'b').externalData!.map((x) => [x.key, x.value]));
    expect(b).toEqual({ location: 'm.onnx.data', offset: String(N * N * 4), length: String(N * 4) }); // 2 KB ≥ the 1 KB threshold
    expect(files.dataBytes).toBe(N * N * 4 + N * 4);
    const s = await ort.InferenceSession.create(path);
    const x = new Float32Array(N).fill(0);
    x[3] = 1;
    const y = (await s.run({ x: new ort.Tensor('float32', x, [1, N]) })).y!.data as Float32Array;
    await s.release();
    expect(Array.from(y.subarray(0, 5))).toEqual(Array.from(wValues.subarray(3 * N, 3 * N + 5), (v) => v + 0.5));
  });

  it('pieces give the same data bytes as one array, and the data sha256 reaches the model through encode()', () => {
    const a = writeOnnxWithExternalData(join(tempDir('ext'), 'a.onnx'), model(wValues), (sha) => ({
      opsets: { '': 17 },
      metadata: { sha },
    }));
    const b = writeOnnxWithExternalData(join(tempDir('ext'), 'a.onnx'), model(wPieces), (sha) => ({
      opsets: { '': 17 },
      metadata: { sha },
    }));
    expect(b.dataSha256).toBe(a.dataSha256);
    expect(b.modelSha256).toBe(a.modelSha256);
    const meta = onnx.ModelProto.decode(readFileSync(a.modelPath)).metadataProps!;
    expect(meta).toEqual([expect.objectContaining({ key: 'sha', value: a.dataSha256 })]);
  });

  it('weights below the threshold stay inline', () => {
    const g = model(wValues);
    g.externalize({ location: 'd', write: () => undefined, threshold: 4096 });
    const m = onnx.ModelProto.decode(g.encode({ opsets: { '': 17 } }));
    const b = m.graph!.initializer!.find((t) => t.name === 'b')!;
    expect(b.dataLocation).not.toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    expect(b.rawData!.length).toBe(N * 4);
  });

  it('float16 weights are stored as half bits (round to nearest even) and run', async () => {
    const path = join(tempDir('ext'), 'h.onnx');
    writeOnnxWithExternalData(path, model(wPieces, 'float16'), () => ({ opsets: { '': 17 } }));
    const w = initializer(path, 'w');
    expect(w.dataType).toBe(onnx.TensorProto.DataType.FLOAT16);
    const data = readFileSync(`${path}.data`);
    const bits = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + N * N * 2));
    expect(Array.from(bits.subarray(0, 64))).toEqual(Array.from(float32ToFloat16Bits(wValues.subarray(0, 64))));
    const s = await ort.InferenceSession.create(path);
    const x = new Uint16Array(N);
    x[0] = 0x3c00; // 1.0
    const y = (await s.run({ x: new ort.Tensor('float16', x, [1, N]) })).y!.data as Uint16Array;
    await s.release();
    expect(float16BitsToFloat32(y.subarray(0, 3))).toEqual(Float32Array.from(wValues.subarray(0, 3), (v) => v + 0.5));
  });

  it('refuses values that would overflow float16, and pieces that do not add up', () => {
    const big = new Float32Array(N * N);
    big[7] = 7e4;
    expect(() => model(big, 'float16').encode({ opsets: { '': 17 } })).toThrow(Float16OverflowError);
    const short: ChunkedValues = {
      length: N * N,
      *chunks() {
        yield new Float32Array(10);
      },
    };
    expect(() => model(short).externalize({ location: 'd', write: () => undefined })).toThrow(
      /produced 40 bytes, expected/,
    );
    expect(() => new GraphBuilder('g').weight('w', [2, 2], new Float32Array(3))).toThrow(/need 4 elements, got 3/);
  });
});
