import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsHeader, SafetensorsReader } from '../../../analysis/io/safetensors.ts';
import { writeSafetensors } from '../../../analysis/io/safetensors-write.ts';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  littleEndianBytes,
} from '../../../analysis/onnx/tensor-proto.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-safetensors-'));
const values = Float32Array.from({ length: 24 }, (_, i) => (i - 11.5) / 3.7);
const bytes = (a: Float32Array | Uint16Array) => () => [littleEndianBytes(a)];

function sample(name = 'sample.safetensors'): string {
  const path = join(dir, name);
  writeSafetensors(
    path,
    [
      { name: 'w32', dtype: 'F32', shape: [4, 6], data: bytes(values) },
      { name: 'w16', dtype: 'F16', shape: [24], data: bytes(float32ToFloat16Bits(values)) },
      { name: 'wbf', dtype: 'BF16', shape: [2, 3, 4], data: bytes(float32ToBfloat16Bits(values)) },
      { name: 'ids', dtype: 'I64', shape: [2], data: () => [littleEndianBytes(BigInt64Array.of(1n, 2n))] },
    ],
    { format: 'pt' },
  );
  return path;
}

/** A file whose header is `header` (JSON text) followed by `data` bytes. */
function raw(name: string, header: string, dataBytes: number, declared?: number): string {
  const h = new TextEncoder().encode(header);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(declared ?? h.length), true);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, h, new Uint8Array(dataBytes)]));
  return path;
}

describe('readSafetensorsHeader', () => {
  it('reads names, dtypes, shapes, absolute offsets and __metadata__ of a written file', () => {
    const h = readSafetensorsHeader(sample());
    expect([...h.tensors.keys()]).toEqual(['w32', 'w16', 'wbf', 'ids']);
    expect(h.metadata).toEqual({ format: 'pt' });
    const n = readFileSync(h.path).readBigUInt64LE(0);
    expect(n % 8n).toBe(0n); // header padded to 8 bytes, as the reference writer does
    expect(h.tensors.get('w32')).toMatchObject({
      dtype: 'F32',
      shape: [4, 6],
      begin: 8 + Number(n),
      end: 8 + Number(n) + 96,
    });
  });

  it('truncated header: names the file and the missing bytes', () => {
    const short = join(dir, 'short.safetensors');
    writeFileSync(short, readFileSync(sample()).subarray(0, 40));
    expect(() => readSafetensorsHeader(short)).toThrow(
      /short\.safetensors: truncated header: it says \d+ bytes, but the file holds only 32/,
    );
    const tiny = join(dir, 'tiny.safetensors');
    writeFileSync(tiny, new Uint8Array(5));
    expect(() => readSafetensorsHeader(tiny)).toThrow(/shorter than the 8-byte header length/);
  });

  it('coded E_CHECKPOINT_INVALID for a header that is not JSON, an unknown dtype, wrong sizes and data past the end', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => readSafetensorsHeader(raw('nojson.safetensors', '{"a": ', 0)))).toMatch(
      /^E_CHECKPOINT_INVALID: .*nojson.*not valid JSON/,
    );
    expect(
      code(() =>
        readSafetensorsHeader(raw('dtype.safetensors', '{"w":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}}', 4)),
      ),
    ).toMatch(/^E_CHECKPOINT_INVALID: .*dtype\.safetensors: tensor "w" has unknown dtype "F12"/);
    expect(
      code(() =>
        readSafetensorsHeader(raw('size.safetensors', '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8)),
      ),
    ).toMatch(/tensor "w": data_offsets \[0, 8\] hold 8 bytes, but F32 \[3\] needs 12/);
    expect(
      code(() =>
        readSafetensorsHeader(raw('cut.safetensors', '{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 10)),
      ),
    ).toMatch(/cut\.safetensors: tensor "w": data ends at byte 16 but the file has only 10 data bytes/);
    expect(code(() => readSafetensorsHeader(raw('huge.safetensors', '{}', 0, 2 ** 40)))).toMatch(
      /over the format's 100 MiB limit/,
    );
    expect(code(() => readSafetensorsHeader(join(dir, 'absent.safetensors')))).toMatch(/^E_FILE_NOT_FOUND/);
  });
});

describe('SafetensorsReader', () => {
  const h = readSafetensorsHeader(sample('read.safetensors'));
  const r = new SafetensorsReader();

  it('F32 reads back exactly, whole or any range', () => {
    expect(Array.from(r.read(h.tensors.get('w32')!, 0, 24))).toEqual(Array.from(values));
    expect(Array.from(r.read(h.tensors.get('w32')!, 7, 5))).toEqual(Array.from(values.subarray(7, 12)));
  });

  it('BF16 and F16 widen exactly to the values their bits encode', () => {
    expect(Array.from(r.read(h.tensors.get('wbf')!, 0, 24))).toEqual(
      Array.from(bfloat16BitsToFloat32(float32ToBfloat16Bits(values))),
    );
    expect(Array.from(r.read(h.tensors.get('w16')!, 3, 10))).toEqual(
      Array.from(float16BitsToFloat32(float32ToFloat16Bits(values)).subarray(3, 13)),
    );
  });

  it('refuses integer tensors as weights, naming file, tensor and dtype', () => {
    expect(() => r.read(h.tensors.get('ids')!, 0, 2)).toThrow(
      /read\.safetensors: tensor "ids" is I64; acc-lens reads F32, F16 and BF16/,
    );
    expect(() => r.read(h.tensors.get('w32')!, 20, 5)).toThrow(RangeError);
    r.close();
  });
});
