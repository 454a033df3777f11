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
export function littleEndianBytes(a: Float32Array | Int32Array | BigInt64Array | Uint16Array): Uint8Array {
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

// Float16 / bfloat16 are carried as their raw 16-bit patterns (Node 20 has no Float16Array).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 → IEEE half bits, rounded to nearest even; overflow → ±Inf, NaN stays NaN (quiet). */
export function float32ToFloat16Bit(x: number): number {
  f32[0] = x;
  return float32BitsToFloat16Bits(u32[0]!);
}

function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct rounding (up to Inf).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/** IEEE half bits → the float32 value (exact: every half is a float32). */
export function float16BitToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Float32 values → half bits (round to nearest even), element by element. */
export function float32ToFloat16Bits(a: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(a.length);
  const bits = a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : null;
  for (let i = 0; i < a.length; i++) {
    let x: number;
    if (bits !== null) x = bits[i]!;
    else {
      f32[0] = a[i]!;
      x = u32[0]!;
    }
    const exp = (x >>> 23) & 0xff;
    // Inline fast path for the normal half range (how weights are): the general case handles the rest.
    if (exp > 112 && exp < 143) {
      const half = ((exp - 112) << 10) | ((x >>> 13) & 0x3ff);
      const rest = x & 0x1fff;
      out[i] = ((x >>> 16) & 0x8000) | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
    } else out[i] = float32BitsToFloat16Bits(x);
  }
  return out;
}

/** Half bits → float32 values (exact). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitToFloat32(bits[i]!);
  return out;
}

/** Bfloat16 bits → float32 values: the upper half of the float32 pattern, so exact by construction. */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = bits[i]! << 16;
  return out;
}

/** Float32 values → bfloat16 bits, rounded to nearest even (NaN stays NaN). */
export function float32ToBfloat16Bits(a: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(a.length);
  for (let i = 0; i < a.length; i++) {
    f32[0] = a[i]!;
    const bits = u32[0]!;
    if ((bits & 0x7fffffff) > 0x7f800000) out[i] = (bits >>> 16) | 0x40;
    else out[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** A float16 tensor from float32 values (rounded to nearest even); e.g. `float16Tensor('w', [2], Float32Array.of(1, 0.1))`. */
export function float16Tensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  checkSize(name, dims, data.length);
  return { name, dims: [...dims], dataType: DataType.FLOAT16, rawData: littleEndianBytes(float32ToFloat16Bits(data)) };
}
