import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export const DataType = onnx.TensorProto.DataType;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bytes of a typed array in little-endian order, as ONNX `raw_data` requires.
 * On little-endian hosts this is a zero-copy view, so a 150 MB embedding is never duplicated
 * before protobuf's single final copy.
 */
export function littleEndianBytes(a: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(view.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += w) {
    for (let j = 0; j < w; j++) out[i + j] = view[i + w - 1 - j]!;
  }
  return out;
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  const n = dims.reduce((p, d) => p * d, 1);
  if (n !== length) throw new Error(`tensor ${name}: dims [${dims.join(', ')}] need ${n} elements, got ${length}`);
}

/** A float32 tensor; e.g. `floatTensor('w', [4, 2], new Float32Array(8))`. */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  checkSize(name, dims, data.length);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: littleEndianBytes(data) };
}

/** An int64 tensor from plain numbers (shapes, axes, indices); e.g. `int64Tensor('axes', [1], [-1])`. */
export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  checkSize(name, dims, data.length);
  const a = BigInt64Array.from(data, (x) => BigInt(x));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: littleEndianBytes(a) };
}

/** An int32 tensor; e.g. `int32Tensor('one', [], [1])`. */
export function int32Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  checkSize(name, dims, data.length);
  return { name, dims: [...dims], dataType: DataType.INT32, rawData: littleEndianBytes(Int32Array.from(data)) };
}
