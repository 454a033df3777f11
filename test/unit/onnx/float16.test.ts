import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float16BitToFloat32,
  float16Tensor,
  float32ToBfloat16Bits,
  float32ToFloat16Bit,
  float32ToFloat16Bits,
} from '../../../analysis/onnx/tensor-proto.ts';

const { onnx } = onnxProto;

/**
 * Cast(x: float32 → `to`) in onnxruntime, to compare our rounding with its own. onnxruntime-node cannot
 * return bfloat16 tensors, so with `back` the graph casts again to float32 and the values come back.
 */
async function ortCast(values: Float32Array, to: number, back = false): Promise<Uint16Array | Float32Array> {
  const vi = (name: string, elemType: number) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimValue: values.length }] } } },
  });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'cast',
      node: [
        { opType: 'Cast', input: ['x'], output: [back ? 'h' : 'y'], attribute: [{ name: 'to', type: 2, i: to }] },
        ...(back ? [{ opType: 'Cast', input: ['h'], output: ['y'], attribute: [{ name: 'to', type: 2, i: 1 }] }] : []),
      ],
      input: [vi('x', onnx.TensorProto.DataType.FLOAT)],
      output: [vi('y', back ? onnx.TensorProto.DataType.FLOAT : to)],
    },
  }).finish();
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', values, [values.length]) });
  await s.release();
  // onnxruntime-node 1.30 hands float16 back as its raw bits (Uint16Array).
  return out.y!.data as Uint16Array | Float32Array;
}

function randomFloats(n: number, seed: number): Float32Array {
  let a = seed;
  const next = () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  // Spread over many binades (1e-9 … 1e6) and both signs, so subnormals, ties and overflow all occur.
  return Float32Array.from({ length: n }, () => (next() < 0.5 ? -1 : 1) * 10 ** (next() * 15 - 9) * (1 + next()));
}

describe('float32ToFloat16Bit', () => {
  it('known values: 1 → 0x3c00, −2 → 0xc000, 0.1 → 0x2e66, 65504 → 0x7bff, 2^-24 → 0x0001', () => {
    expect([1, -2, 0.1, 65504, 2 ** -24, 0, -0].map(float32ToFloat16Bit)).toEqual([
      0x3c00, 0xc000, 0x2e66, 0x7bff, 0x0001, 0x0000, 0x8000,
    ]);
  });
  it('rounds to nearest even at ties and overflows to ±Inf past 65520', () => {
    expect(float32ToFloat16Bit(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(float32ToFloat16Bit(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(float32ToFloat16Bit(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bit(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bit(-1e6)).toBe(0xfc00);
    expect(float32ToFloat16Bit(2 ** -25)).toBe(0); // half the smallest subnormal: tie to even zero
    expect(float32ToFloat16Bit(1.5 * 2 ** -25)).toBe(1);
    expect(float32ToFloat16Bit(Infinity)).toBe(0x7c00);
    expect(Number.isNaN(float16BitToFloat32(float32ToFloat16Bit(NaN)))).toBe(true);
  });
  it('every one of the 65,536 half patterns survives half → float32 → half (NaNs stay NaN)', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const x = float16BitToFloat32(h),
        back = float32ToFloat16Bit(x);
      if (Number.isNaN(x) ? !Number.isNaN(float16BitToFloat32(back)) : back !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });
  it("matches onnxruntime's Cast(float32 → float16) bit for bit on 20,000 values over 15 binades", async () => {
    const x = randomFloats(20_000, 7);
    expect(Array.from(float32ToFloat16Bits(x))).toEqual(
      Array.from(await ortCast(x, onnx.TensorProto.DataType.FLOAT16)),
    );
  });
  it('float16BitsToFloat32 and float16Tensor agree with the scalar conversions', () => {
    const t = float16Tensor('w', [3], Float32Array.of(1, 0.1, -3));
    expect(t.dataType).toBe(onnx.TensorProto.DataType.FLOAT16);
    const bits = new Uint16Array(new Uint8Array(t.rawData!).buffer);
    expect(Array.from(float16BitsToFloat32(bits))).toEqual([1, float16BitToFloat32(0x2e66), -3]);
  });
});

describe('bfloat16', () => {
  it('bfloat16BitsToFloat32 is exact: each of the 65,536 patterns is the upper half of its float32', () => {
    const bits = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    const back = new Uint32Array(bfloat16BitsToFloat32(bits).buffer);
    expect(back.every((v, i) => v === i * 65536)).toBe(true);
  });
  it("float32ToBfloat16Bits matches onnxruntime's Cast(float32 → bfloat16) on 20,000 values", async () => {
    const x = randomFloats(20_000, 11);
    const ours = bfloat16BitsToFloat32(float32ToBfloat16Bits(x));
    expect(Array.from(ours)).toEqual(Array.from(await ortCast(x, onnx.TensorProto.DataType.BFLOAT16, true)));
  });
});
