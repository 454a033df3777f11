import { Dictionary, Field, Float32, Int16, Int32, Schema, Utf8, type DataType } from 'apache-arrow';
import type { ColumnKind, ColumnSpec, TableSpec } from './columns.ts';

function arrowType(kind: ColumnKind, dictionaryId: number): DataType {
  switch (kind) {
    case 'dict':
      // Explicit ids (the column index): arrow-js otherwise draws them from a global counter,
      // and the id is written into the file, which would break byte-identical reruns and merges.
      return new Dictionary(new Utf8(), new Int32(), dictionaryId, false);
    case 'int16':
      return new Int16();
    case 'int32':
      return new Int32();
    case 'float32':
      return new Float32();
  }
}

/** The Arrow field of one declared column. */
export function arrowField(column: ColumnSpec, index: number): Field {
  return new Field(column.name, arrowType(column.kind, index), column.nullable);
}

/**
 * The Arrow schema of a table with the given metadata. Example:
 * `arrowSchema(ROUTING, provenanceMetadata(p, 'routing'))`.
 */
export function arrowSchema(spec: TableSpec, metadata: ReadonlyMap<string, string> = new Map()): Schema {
  return new Schema(spec.columns.map(arrowField), new Map(metadata));
}
