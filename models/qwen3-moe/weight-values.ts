import type { ChunkedValues } from '../../analysis/onnx/graph-builder.ts';
import type { LazyTensor } from '../weights.ts';

/**
 * How each initializer's values are produced from the checkpoint's tensors, piece by piece, so that
 * streaming a model to disk holds about one expert (or one 16 MB block of a big table) at a time.
 */

const BLOCK = 4 * 2 ** 20; // elements per piece of a row-blocked table (16 MB in float32)

/** W [out, in] → Wᵀ [in, out] (a torch export's MatMul initializer), read and transposed in one piece. */
export function transposedValues(w: LazyTensor, out: number, inp: number): ChunkedValues {
  return {
    length: out * inp,
    *chunks() {
      const src = w.read(0, out * inp);
      const t = new Float32Array(out * inp);
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = src[o * inp + i]!;
      yield t;
    },
  };
}

/** A tensor as stored, in whole rows of `rowLength`, ≤ 16 MB per piece (embedding, LM head); in-memory tensors as they are. */
export function rowBlocks(t: LazyTensor, rowLength: number): ChunkedValues | Float32Array {
  if (t.inMemory) return t.inMemory;
  const rowsPer = Math.max(1, Math.floor(BLOCK / rowLength));
  return {
    length: t.length,
    *chunks() {
      for (let start = 0; start < t.length; start += rowsPer * rowLength)
        yield t.read(start, Math.min(rowsPer * rowLength, t.length - start));
    },
  };
}

/** One block per item (expert), in order: `block(i)` gives item i's values, each `each` elements long. */
export function perItem(count: number, each: number, block: (i: number) => Float32Array): ChunkedValues {
  return {
    length: count * each,
    *chunks() {
      for (let i = 0; i < count; i++) {
        const b = block(i);
        if (b.length !== each) throw new Error(`block ${i} has ${b.length} values, expected ${each}`);
        yield b;
      }
    },
  };
}

/** Rows of `a` and `b` ([rows, cols] each) interleaved: a₀, b₀, a₁, b₁, … → [2·rows, cols]. */
export function interleaveRows(a: Float32Array, b: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(2 * rows * cols);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * cols, (r + 1) * cols), 2 * r * cols);
    out.set(b.subarray(r * cols, (r + 1) * cols), (2 * r + 1) * cols);
  }
  return out;
}

/** [rows, cols] → [cols, rows]. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

export const readAll = (t: LazyTensor): Float32Array => t.read(0, t.length);
