import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from '../onnx/tensor-proto.ts';

/** The element types of the safetensors format and their sizes in bytes. */
export const SAFETENSORS_DTYPES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The float types acc-lens reads (weights of real checkpoints); FP8 and integer tensors are refused by name. */
export const READABLE_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type ReadableDtype = (typeof READABLE_DTYPES)[number];

export interface SafetensorsEntry {
  file: string;
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte offsets of the tensor's data in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  path: string;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 2 ** 20; // the reference implementation's limit

const EntrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

const bad = (path: string, what: string, fix?: string): never => {
  throw new AccLensError('E_CHECKPOINT_INVALID', `${path}: ${what}`, fix);
};

function readExactly(fd: number, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Reads and checks a .safetensors header: 8-byte little-endian length, JSON, then every tensor's dtype,
 * shape and byte range against the file size. Errors name the file and tensor (E_CHECKPOINT_INVALID).
 * Example: `readSafetensorsHeader('model-00001-of-00016.safetensors').tensors.get('lm_head.weight')`.
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new AccLensError('E_FILE_NOT_FOUND', `safetensors file not found: ${path}`, 'Download the missing shard.');
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(8);
    if (readExactly(fd, head, 0) < 8) bad(path, `truncated: ${size} bytes, shorter than the 8-byte header length`);
    const n = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (n > MAX_HEADER)
      bad(path, `header length ${n} bytes is over the format's 100 MiB limit (not a safetensors file?)`);
    if (8 + n > size)
      bad(path, `truncated header: it says ${n} bytes, but the file holds only ${size - 8} after the length`);
    const json = new Uint8Array(n);
    readExactly(fd, json, 8);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(json));
    } catch (e) {
      return bad(path, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      bad(path, 'header is not a JSON object');
    const dataStart = 8 + n,
      dataBytes = size - dataStart;
    const tensors = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (name === '__metadata__') {
        const m = z.record(z.string(), z.string()).safeParse(value);
        if (!m.success) bad(path, '__metadata__ must map strings to strings');
        metadata = m.data!;
        continue;
      }
      const e = EntrySchema.safeParse(value);
      if (!e.success) bad(path, `tensor "${name}": ${e.error!.issues[0]?.path.join('.') || 'entry'} is invalid`);
      const {
        dtype,
        shape,
        data_offsets: [begin, end],
      } = e.data!;
      const width = SAFETENSORS_DTYPES[dtype];
      if (width === undefined)
        bad(
          path,
          `tensor "${name}" has unknown dtype "${dtype}" (safetensors dtypes: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`,
        );
      const expected = shape.reduce((p, d) => p * d, 1) * width!;
      if (end < begin || end - begin !== expected)
        bad(
          path,
          `tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${shape.join(', ')}] needs ${expected}`,
        );
      if (end > dataBytes)
        bad(
          path,
          `tensor "${name}": data ends at byte ${end} but the file has only ${dataBytes} data bytes (truncated download?)`,
        );
      tensors.set(name, { file: path, name, dtype, shape, begin: dataStart + begin, end: dataStart + end });
    }
    return { path, tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads float tensors (F32, F16, BF16) from safetensors files as float32, a range at a time; BF16 and
 * F16 widen exactly. Keeps one descriptor per file open until `close()`.
 * Example: `const r = new SafetensorsReader(); r.read(entry, 0, 1024); r.close();`
 */
export class SafetensorsReader {
  private readonly fds = new Map<string, number>();

  /** Elements [start, start + count) of the tensor, as float32. */
  read(entry: SafetensorsEntry, start: number, count: number): Float32Array {
    const width = SAFETENSORS_DTYPES[entry.dtype]!;
    const elements = (entry.end - entry.begin) / width;
    if (start < 0 || count < 0 || start + count > elements)
      throw new RangeError(`${entry.name}: elements ${start}..${start + count} outside 0..${elements}`);
    if (!(READABLE_DTYPES as readonly string[]).includes(entry.dtype))
      throw new AccLensError(
        'E_CHECKPOINT_INVALID',
        `${entry.file}: tensor "${entry.name}" is ${entry.dtype}; acc-lens reads F32, F16 and BF16 weights`,
        "Use the checkpoint's BF16 (or FP16/FP32) release; quantized (FP8, int) checkpoints are not supported.",
      );
    const position = entry.begin + start * width;
    if (entry.dtype === 'F32') {
      const out = new Float32Array(count);
      this.fill(entry, new Uint8Array(out.buffer), position);
      return out;
    }
    const bits = new Uint16Array(count);
    this.fill(entry, new Uint8Array(bits.buffer), position);
    return entry.dtype === 'BF16' ? bfloat16BitsToFloat32(bits) : float16BitsToFloat32(bits);
  }

  private fill(entry: SafetensorsEntry, into: Uint8Array, position: number): void {
    let fd = this.fds.get(entry.file);
    if (fd === undefined) {
      fd = openSync(entry.file, 'r');
      this.fds.set(entry.file, fd);
    }
    const got = readExactly(fd, into, position);
    if (got < into.length)
      throw new AccLensError(
        'E_CHECKPOINT_INVALID',
        `${entry.file}: tensor "${entry.name}" ends early (file shrank while reading?)`,
      );
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
