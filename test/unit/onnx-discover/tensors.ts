import * as ort from 'onnxruntime-node';
import { int, onnx, type TensorProto } from '../../../analysis/onnx/read-model.ts';

/** Decodes a TensorProto (inline data) into an onnxruntime tensor; used to feed upstream .pb inputs. */
export function tensorFromProto(t: TensorProto): ort.Tensor {
  const dims = (t.dims ?? []).map((d) => int(d));
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const copy = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const T = onnx.TensorProto.DataType;
  switch (t.dataType) {
    case T.FLOAT:
      return new ort.Tensor('float32', raw ? new Float32Array(copy(raw)) : Float32Array.from(t.floatData ?? []), dims);
    case T.FLOAT16:
      return new ort.Tensor('float16', raw ? new Uint16Array(copy(raw)) : Uint16Array.from(t.int32Data ?? []), dims);
    case T.INT64:
      return new ort.Tensor(
        'int64',
        raw ? new BigInt64Array(copy(raw)) : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(int(v)))),
        dims,
      );
    case T.INT32:
      return new ort.Tensor('int32', raw ? new Int32Array(copy(raw)) : Int32Array.from(t.int32Data ?? []), dims);
    case T.BOOL:
      return new ort.Tensor('bool', raw ? new Uint8Array(copy(raw)) : Uint8Array.from(t.int32Data ?? []), dims);
    default:
      throw new Error(`tensorFromProto: data type ${t.dataType} not handled (${count} elements)`);
  }
}

/** Float view of a float32, float16 or integer tensor's data. */
export function asFloat64(t: ort.Tensor): Float64Array {
  if (t.type === 'float16') return Float64Array.from(t.data as Uint16Array, halfToFloat);
  if (t.type === 'int64') return Float64Array.from(t.data as BigInt64Array, Number);
  return Float64Array.from(t.data as Float32Array);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
