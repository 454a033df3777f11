import type { Table, Vector } from 'apache-arrow';
import type { TableSpec } from './columns.ts';
import { SchemaError } from './encode.ts';

/** Decoded column: strings for dict columns, typed arrays for non-null numbers, arrays with nulls otherwise. */
export type DecodedColumn = (string | null)[] | Int16Array | Int32Array | Float32Array | (number | null)[];

function decodeStrings(vector: Vector): (string | null)[] {
  const out: (string | null)[] = new Array(vector.length);
  let offset = 0;
  for (const data of vector.data) {
    const dictionary = (data.dictionary?.toArray() ?? []) as (string | null)[];
    const indices = data.values as Int32Array;
    for (let j = 0; j < data.length; j += 1)
      out[offset + j] = data.getValid(j) ? (dictionary[indices[j]!] ?? null) : null;
    offset += data.length;
  }
  return out;
}

/**
 * Decodes an Arrow table of `spec` back to columns — the one place run-store bytes turn into
 * arrays. Example: `decodeTable(ROUTING, table).gate` is a Float32Array.
 */
export function decodeTable(spec: TableSpec, table: Table): Record<string, DecodedColumn> {
  const out: Record<string, DecodedColumn> = {};
  for (const column of spec.columns) {
    const vector = table.getChild(column.name);
    if (vector === null) throw new SchemaError(`${spec.name}: the file has no column "${column.name}"`);
    if (column.kind === 'dict') out[column.name] = decodeStrings(vector);
    else if (vector.nullCount > 0) out[column.name] = Array.from(vector, (v) => (v === null ? null : Number(v)));
    else out[column.name] = vector.toArray() as Int16Array | Int32Array | Float32Array;
  }
  return out;
}
