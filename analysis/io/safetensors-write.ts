import { closeSync, openSync, writeSync } from 'node:fs';
import { SAFETENSORS_DTYPES } from './safetensors.ts';
import { writeFailure } from './atomic-write.ts';

export interface SafetensorsTensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  /** The tensor's little-endian bytes, in pieces (so multi-GB files never sit in memory). */
  data(): Iterable<Uint8Array>;
}

/**
 * Writes a .safetensors file: 8-byte little-endian header length, the JSON header (padded with spaces
 * to a multiple of 8, as the reference writer does), then each tensor's bytes in the given order.
 * Checkpoints for tests and benchmarks are made with it. Example:
 * `writeSafetensors('model.safetensors', [{ name: 'w', dtype: 'F32', shape: [2], data: () => [bytes] }])`.
 */
export function writeSafetensors(
  path: string,
  tensors: SafetensorsTensorSpec[],
  metadata?: Record<string, string>,
): void {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const width = SAFETENSORS_DTYPES[t.dtype] ?? 1;
    const bytes = t.shape.reduce((p, d) => p * d, 1) * width;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const encoded = new TextEncoder().encode(json);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(encoded.length), true);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    writeSync(fd, length);
    writeSync(fd, encoded);
    for (const t of tensors) for (const piece of t.data()) writeAll(fd, piece);
  } catch (error) {
    throw writeFailure(error, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
