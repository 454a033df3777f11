import onnxProto from 'onnx-proto';
import { openRandomAccess } from '../io/local-files.ts';

const METADATA_FIELD = 14; // ModelProto.metadata_props

/** Reads a protobuf varint from buf at off; returns [value, next offset]. */
function varint(buf: Uint8Array, off: number): [number, number] {
  let v = 0,
    mul = 1,
    i = off;
  for (;;) {
    const b = buf[i++];
    if (b === undefined) throw new Error('truncated varint');
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, i];
    mul *= 128;
  }
}

/**
 * The model's metadata_props, read by walking the ModelProto's top-level fields on disk and
 * seeking past the graph, so a multi-GB model is not read twice. Returns {} for anything unexpected.
 * Example: `readMetadataProps('m.onnx')['acc_lens.form']`.
 */
export function readMetadataProps(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const file = openRandomAccess(path);
  try {
    const head = new Uint8Array(24);
    for (let pos = 0; pos < file.size;) {
      const n = file.read(head, pos);
      const [key, afterKey] = varint(head.subarray(0, n), 0);
      const field = Math.floor(key / 8),
        wire = key % 8;
      if (wire === 0) {
        pos += varint(head.subarray(0, n), afterKey)[1];
        continue;
      }
      if (wire === 1 || wire === 5) {
        pos += afterKey + (wire === 1 ? 8 : 4);
        continue;
      }
      if (wire !== 2) return out;
      const [len, start] = varint(head.subarray(0, n), afterKey);
      if (field === METADATA_FIELD) {
        const body = new Uint8Array(len);
        file.read(body, pos + start);
        const e = onnxProto.onnx.StringStringEntryProto.decode(body);
        out[e.key] = e.value;
      }
      pos += start + len;
    }
  } catch {
    return out;
  } finally {
    file.close();
  }
  return out;
}
