import { float32ToBfloat16Bits, float32ToFloat16Bits, littleEndianBytes } from '../tensor-proto.ts';
import { onnx, type TensorProto } from '../read-model.ts';

/** Element types the editor writes: the float types a decoder computes in, and the index types. */
export type ElemType = 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool';
export type FloatType = Extract<ElemType, 'float32' | 'float16' | 'bfloat16'>;

const T = onnx.TensorProto.DataType;
const CODE: Record<ElemType, number> = {
  float32: T.FLOAT,
  float16: T.FLOAT16,
  bfloat16: T.BFLOAT16,
  int64: T.INT64,
  int32: T.INT32,
  bool: T.BOOL,
};

/** The ONNX TensorProto.DataType code of an element type. */
export const dataTypeOf = (elem: ElemType): number => CODE[elem];

/** The element type of an ONNX DataType code, or undefined for types the editor does not write. */
export function elemTypeOf(code: number | null | undefined): ElemType | undefined {
  return (Object.keys(CODE) as ElemType[]).find((k) => CODE[k] === code);
}

export const isFloatType = (elem: ElemType | undefined): elem is FloatType =>
  elem === 'float32' || elem === 'float16' || elem === 'bfloat16';

/**
 * The tensor of a Constant node: float32 and int64 in their typed fields, float16/bfloat16 as raw
 * 16-bit patterns (rounded to nearest even). Example: `constantTensor([-1], 'int64', [1])`.
 */
export function constantTensor(values: readonly number[], elem: ElemType, dims: readonly number[]): TensorProto {
  const base = { dataType: CODE[elem], dims: [...dims] };
  switch (elem) {
    case 'float32':
      return { ...base, floatData: [...values] };
    case 'int64':
      return { ...base, int64Data: [...values] };
    case 'int32':
    case 'bool':
      return { ...base, int32Data: values.map((v) => (elem === 'bool' ? Number(v !== 0) : v)) };
    case 'float16':
      return { ...base, rawData: littleEndianBytes(float32ToFloat16Bits(values)) };
    case 'bfloat16':
      return { ...base, rawData: littleEndianBytes(float32ToBfloat16Bits(values)) };
  }
}

/** Short dtype tags for constant names (`acc_lens.const.f16.…`). */
export const DTYPE_TAG: Record<ElemType, string> = {
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  int64: 'i64',
  int32: 'i32',
  bool: 'b',
};
