import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { AccLensError } from '../errors.ts';
import { int, type TensorProto } from '../onnx/read-model.ts';

/**
 * The raw little-endian bytes of an initializer: inline `raw_data`, typed `float_data`, or the range
 * its external-data entry names in a file beside the model (`modelDir`). Used to move a weight from
 * one model into another (router transplants) without loading either model's other weights.
 */
export function initializerBytes(tensor: TensorProto, modelDir: string): Uint8Array {
  if (tensor.rawData && tensor.rawData.length > 0) return tensor.rawData;
  if (tensor.floatData && tensor.floatData.length > 0) {
    const f = Float32Array.from(tensor.floatData);
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  }
  const entry = (key: string) => (tensor.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
  const location = entry('location');
  if (location === undefined)
    throw new AccLensError('E_ONNX_CONTRACT', `initializer ${tensor.name ?? '?'} has no data (raw, float or external)`);
  const offset = Number(entry('offset') ?? 0);
  const length = Number(entry('length') ?? 0);
  const out = new Uint8Array(length);
  const path = resolve(modelDir, location);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < length;) {
      const n = readSync(fd, out, at, length - at, offset + at);
      if (n === 0) throw new AccLensError('E_ONNX_INVALID', `${path}: ends before ${tensor.name ?? '?'}'s data`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Number of elements of an initializer from its dims. */
export const initializerElements = (tensor: TensorProto): number =>
  (tensor.dims ?? []).reduce<number>((n, d) => n * int(d), 1);
