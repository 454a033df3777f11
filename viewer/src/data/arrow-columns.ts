import { DataType, makeData, makeVector, Message, Table, type Field, type Schema, type Vector } from 'apache-arrow';

/** Where a record batch's columns lie: its body's start in the file, each buffer, each column's null count. */
export interface BatchLayout {
  bodyStart: number;
  rows: number;
  buffers: { offset: number; length: number }[];
  nullCounts: number[];
  compressed: boolean;
}

/** A record batch's place in the file, as the footer gives it. */
export interface Block {
  offset: number | bigint;
  metaDataLength: number;
}

/** Decodes a record batch's metadata message (`bytes` = the block's first `metaDataLength` bytes). */
export function batchLayout(block: Block, bytes: Uint8Array): BatchLayout | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IPC ≥ 0.15 prefixes the length with a 0xFFFFFFFF continuation marker; older files do not.
  const legacy = view.getInt32(0, true) !== -1;
  const at = legacy ? 4 : 8;
  const length = view.getInt32(legacy ? 0 : 4, true);
  const message = Message.decode(bytes.subarray(at, at + length));
  if (!message.isRecordBatch()) return null;
  const header = message.header();
  return {
    bodyStart: Number(block.offset) + block.metaDataLength,
    rows: header.length,
    buffers: header.buffers.map((b) => ({ offset: Number(b.offset), length: Number(b.length) })),
    nullCounts: header.nodes.map((n) => Number(n.nullCount)),
    compressed: header.compression !== null,
  };
}

/** A field whose values are one fixed-width buffer after its validity bitmap (ints, floats): readable alone. */
const fixedWidth = (f: Field) => DataType.isInt(f.type) || DataType.isFloat(f.type);
/** A field laid out as validity + one buffer, with no children (fixed width, or dictionary indices). */
const twoBuffers = (f: Field) => fixedWidth(f) || DataType.isDictionary(f.type);

/**
 * The buffer index of each wanted column's values, when the wanted columns can be read without
 * the rest: every field up to the last wanted one is flat (validity + one buffer), and the wanted
 * ones are fixed width. Null when the batch must be read whole.
 */
export function columnBuffers(schema: Schema, names: readonly string[]): Map<string, number> | null {
  const index = new Map(schema.fields.map((f, i) => [f.name, i]));
  const wanted = names.map((n) => index.get(n));
  if (wanted.some((i) => i === undefined)) return null;
  const last = Math.max(...(wanted as number[]));
  if (!schema.fields.slice(0, last + 1).every(twoBuffers)) return null;
  if (!(wanted as number[]).every((i) => fixedWidth(schema.fields[i]!))) return null;
  return new Map(names.map((n, k) => [n, 2 * wanted[k]! + 1]));
}

/** The byte span [start, end) of the body that holds the given buffers (relative to the body). */
export function bufferSpan(layout: BatchLayout, buffers: Iterable<number>): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const b of buffers) {
    const r = layout.buffers[b]!;
    start = Math.min(start, r.offset);
    end = Math.max(end, r.offset + r.length);
  }
  return { start, end };
}

/**
 * A table of only the wanted columns, over `bytes` = the body bytes [span.start, span.end), without
 * copying. Null when a wanted column has nulls (their bitmaps are not read: read the batch whole).
 */
export function columnsTable(
  schema: Schema,
  layout: BatchLayout,
  buffers: Map<string, number>,
  span: { start: number },
  bytes: Uint8Array,
): Table | null {
  const vectors: Record<string, Vector> = {};
  for (const [name, b] of buffers) {
    const field = schema.fields.find((f) => f.name === name)!;
    if (layout.nullCounts[(b - 1) / 2] !== 0) return null;
    const ArrayType = field.type.ArrayType as Int32ArrayConstructor;
    const offset = bytes.byteOffset + layout.buffers[b]!.offset - span.start;
    const values =
      offset % ArrayType.BYTES_PER_ELEMENT === 0
        ? new ArrayType(bytes.buffer, offset, layout.rows)
        : new ArrayType(bytes.slice(offset - bytes.byteOffset).buffer, 0, layout.rows);
    vectors[name] = makeVector(makeData({ type: field.type, length: layout.rows, nullCount: 0, data: values }));
  }
  return new Table(vectors);
}
