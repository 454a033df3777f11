import onnxProto from 'onnx-proto';
import { float32ToFloat16Bits, littleEndianBytes, type TensorProto } from './tensor-proto.ts';

const { onnx } = onnxProto;

/** The element types a weight or float constant can be stored in. */
export type FloatType = 'float32' | 'float16';

const STORED: Record<FloatType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
};

/**
 * A weight's values produced on demand, in order, in pieces (float32, converted when stored), so a
 * model bigger than memory can be streamed to an external data file one piece at a time.
 */
export interface ChunkedValues {
  length: number;
  chunks(): Iterable<Float32Array>;
}

/** Where `externalize` put the weights: one data file, written through `write` in order. */
export interface ExternalDataOptions {
  /** File name relative to the model, as written into each initializer's `location`. */
  location: string;
  /** Appends bytes to the data file. */
  write(bytes: Uint8Array): void;
  /** Weights smaller than this many bytes stay inside the model (default 1024, as onnx.save_model). */
  threshold?: number;
  /** Called after each piece with the bytes written so far (for progress). */
  onBytes?(written: number): void;
}

/** A float16 weight held a finite float32 value beyond ±65504, which would turn into Inf. */
export class Float16OverflowError extends Error {
  constructor(
    readonly tensor: string,
    readonly count: number,
    readonly maxAbs: number,
  ) {
    super(
      `weight ${tensor}: ${count} value(s) beyond the float16 range (max |v| = ${maxAbs}) would become Inf in float16`,
    );
    this.name = 'Float16OverflowError';
  }
}

/** A weight the builder holds until it is encoded inline or streamed out. */
export interface PendingWeight {
  name: string;
  dims: number[];
  elem: FloatType;
  values: Float32Array | ChunkedValues;
}

/** Streams every pending weight of at least `o.threshold` bytes through `o.write` (see GraphBuilder.externalize); returns the bytes written. */
export function externalizeWeights(inits: (TensorProto | PendingWeight)[], o: ExternalDataOptions): number {
  const threshold = o.threshold ?? 1024;
  let offset = 0;
  const emit = (bytes: Uint8Array) => {
    o.write(bytes);
    offset += bytes.length;
  };
  for (let i = 0; i < inits.length; i++) {
    const t = inits[i]!;
    if (!('elem' in t)) continue;
    const size = t.values.length * (t.elem === 'float16' ? 2 : 4);
    if (size < threshold) continue;
    const align = size >= 2 ** 20 ? 4096 : 64;
    if (offset % align !== 0) emit(new Uint8Array(align - (offset % align)));
    const start = offset;
    for (const piece of pieces(t)) {
      emit(storedBytes(t, piece));
      o.onBytes?.(offset);
    }
    if (offset - start !== size)
      throw new Error(`weight ${t.name}: produced ${offset - start} bytes, expected ${size}`);
    inits[i] = {
      name: t.name,
      dims: t.dims,
      dataType: STORED[t.elem],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: o.location },
        { key: 'offset', value: String(start) },
        { key: 'length', value: String(size) },
      ],
    };
  }
  return offset;
}

function pieces(t: PendingWeight): Iterable<Float32Array> {
  return t.values instanceof Float32Array ? [t.values] : t.values.chunks();
}

/** One piece in the stored type; float16 refuses finite values that would overflow to Inf. */
function storedBytes(t: PendingWeight, piece: Float32Array): Uint8Array {
  if (t.elem === 'float32') return littleEndianBytes(piece);
  let count = 0,
    maxAbs = 0;
  for (let i = 0; i < piece.length; i++) {
    const a = Math.abs(piece[i]!);
    // 65520 and above round to Inf in float16.
    if (a >= 65520 && a !== Infinity) {
      count++;
      maxAbs = Math.max(maxAbs, a);
    }
  }
  if (count > 0) throw new Float16OverflowError(t.name, count, maxAbs);
  return littleEndianBytes(float32ToFloat16Bits(piece));
}

export function inlineTensor(t: PendingWeight): TensorProto {
  const parts = [...pieces(t)].map((p) => storedBytes(t, p));
  const raw = parts.length === 1 ? parts[0]! : concatBytes(parts);
  return { name: t.name, dims: t.dims, dataType: STORED[t.elem], rawData: raw };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
