import {
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
  type DataType,
  type Dictionary,
  type Field,
} from 'apache-arrow';
import { arrowSchema } from './arrow-schema.ts';
import type { ColumnSpec, TableSpec } from './columns.ts';
import { META } from './metadata.ts';

/** A batch does not fit its table's declaration (missing column, wrong length, value out of range). */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** Loose column input; the typed batches of each table file are assignable to it. */
export type ColumnInput = ArrayLike<number | null> | readonly (string | null)[];
export type LooseBatch = Readonly<Record<string, ColumnInput>>;

const INT_RANGE = { int16: [-32768, 32767], int32: [-2147483648, 2147483647] } as const;

function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

/** Stable row order by `keys`, or null when the rows are already in that order (the usual case). */
function sortPermutation(keys: readonly ColumnInput[], n: number): Uint32Array | null {
  const compare = (i: number, j: number): number => {
    for (const key of keys) {
      const c = cmp(key[i], key[j]);
      if (c !== 0) return c;
    }
    return 0;
  };
  let sorted = true;
  for (let i = 1; i < n && sorted; i += 1) sorted = compare(i - 1, i) <= 0;
  if (sorted) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => compare(i, j) || i - j);
  return Uint32Array.from(order);
}

function nullBitmap(n: number, isValid: (i: number) => boolean): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i += 1) {
    if (isValid(i)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount += 1;
  }
  return { bitmap, nullCount };
}

function encodeDictionary(
  field: Field,
  values: readonly (string | null)[],
  at: (i: number) => number,
  n: number,
  table: string,
): Data {
  const ids = new Map<string, number>();
  const indices = new Int32Array(n);
  let hasNull = false;
  for (let i = 0; i < n; i += 1) {
    const v = values[at(i)];
    if (v === null || v === undefined) {
      hasNull = true;
      continue;
    }
    if (typeof v !== 'string')
      throw new SchemaError(`${table}.${field.name}: row ${at(i)} is ${typeof v}, expected a string`);
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    indices[i] = id;
  }
  if (hasNull && !field.nullable) throw new SchemaError(`${table}.${field.name}: null in a non-nullable column`);
  const dictionary = vectorFromArray([...ids.keys()], new Utf8());
  const valid = hasNull ? nullBitmap(n, (i) => values[at(i)] != null) : { bitmap: new Uint8Array(0), nullCount: 0 };
  const type = field.type as Dictionary<Utf8>;
  return makeData({ type, length: n, nullCount: valid.nullCount, nullBitmap: valid.bitmap, data: indices, dictionary });
}

function encodeNumbers(
  column: ColumnSpec,
  field: Field,
  values: ArrayLike<number | null>,
  at: (i: number) => number,
  inOrder: boolean,
  n: number,
  table: string,
): Data {
  const Ctor = column.kind === 'int16' ? Int16Array : column.kind === 'int32' ? Int32Array : Float32Array;
  if (inOrder && values instanceof Ctor) {
    // Already the storage type and in order: no copy, and the type guarantees the range.
    return makeData({ type: field.type as never, length: n, nullCount: 0, data: values });
  }
  const out = new Ctor(n);
  const range = column.kind === 'float32' ? null : INT_RANGE[column.kind as 'int16' | 'int32'];
  let hasNull = false;
  for (let i = 0; i < n; i += 1) {
    const v = values[at(i)];
    if (v === null || v === undefined) {
      hasNull = true;
      continue;
    }
    if (range !== null && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw new SchemaError(`${table}.${column.name}: row ${at(i)} = ${v} is not an ${column.kind}`);
    }
    out[i] = v;
  }
  if (hasNull && !column.nullable) throw new SchemaError(`${table}.${column.name}: null in a non-nullable column`);
  const valid = hasNull ? nullBitmap(n, (i) => values[at(i)] != null) : { bitmap: new Uint8Array(0), nullCount: 0 };
  return makeData({
    type: field.type as never,
    length: n,
    nullCount: valid.nullCount,
    nullBitmap: valid.bitmap,
    data: out,
  });
}

function constantDictionary(field: Field, value: string, n: number): Data {
  const dictionary = vectorFromArray([value], new Utf8());
  return makeData({
    type: field.type as Dictionary<Utf8>,
    length: n,
    nullCount: 0,
    data: new Int32Array(n),
    dictionary,
  });
}

function rowCount(spec: TableSpec, batch: LooseBatch, constants: Readonly<Record<string, string>>): number {
  let n: number | undefined;
  for (const column of spec.columns) {
    if (Object.hasOwn(constants, column.name)) continue;
    const values = batch[column.name];
    if (values === undefined) throw new SchemaError(`${spec.name}: column "${column.name}" is missing`);
    if (n !== undefined && values.length !== n) {
      throw new SchemaError(`${spec.name}: column "${column.name}" has ${values.length} rows, others have ${n}`);
    }
    n = values.length;
  }
  const known = new Set(spec.columns.map((c) => c.name));
  const extra = Object.keys(batch).filter((k) => !known.has(k) || Object.hasOwn(constants, k));
  if (extra.length > 0) throw new SchemaError(`${spec.name}: unexpected column(s) ${extra.join(', ')}`);
  return n ?? 0;
}

/** Runs of equal values in the (sorted) rows — layers, or probes' dictionary ids: [value, start, end) triples, one record batch each. */
function layerRuns(layer: Data, n: number): [number, number, number][] {
  const values = layer.values as Int16Array | Int32Array;
  const runs: [number, number, number][] = [];
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[end] === values[start]) end += 1;
    runs.push([values[start]!, start, end]);
    start = end;
  }
  return runs;
}

/**
 * Encodes a column batch as an Arrow table of `spec`: rows sorted by `spec.sortBy`, strings
 * dictionary-encoded, one record batch per layer for layered tables (listed in the
 * `acc_lens.batch_layers` metadata). `constants` fills columns with one value (the unit's model
 * and probe id). Deterministic: equal inputs give byte-equal IPC files.
 * Example: `encodeTable(ROUTING, batch, meta, { model: 'base', probe_id: 'p1' })`.
 */
export function encodeTable(
  spec: TableSpec,
  batch: LooseBatch,
  metadata: ReadonlyMap<string, string>,
  constants: Readonly<Record<string, string>> = {},
): Table {
  const n = rowCount(spec, batch, constants);
  const perm = sortPermutation(
    spec.sortBy.map((k) => batch[k]).filter((c): c is ColumnInput => c !== undefined),
    n,
  );
  const at = perm === null ? (i: number) => i : (i: number) => perm[i]!;
  const draft: Schema = arrowSchema(spec);
  const children = spec.columns.map((column, index) => {
    const field = draft.fields[index]!;
    const constant = constants[column.name];
    if (constant !== undefined) return constantDictionary(field, constant, n);
    const values = batch[column.name]!;
    return column.kind === 'dict'
      ? encodeDictionary(field, values as readonly (string | null)[], at, n, spec.name)
      : encodeNumbers(column, field, values as ArrayLike<number | null>, at, perm === null, n, spec.name);
  });
  const layerIndex = spec.columns.findIndex((c) => c.name === 'layer');
  const probeIndex = spec.columns.findIndex((c) => c.name === 'probe_id');
  const fullMetadata = new Map(metadata);
  let runs: [number, number, number][] | null = null;
  if (spec.layered && layerIndex >= 0) {
    runs = layerRuns(children[layerIndex]!, n);
    fullMetadata.set(META.batchLayers, JSON.stringify(runs.map(([layer]) => layer)));
  } else if (spec.probeBatched === true && probeIndex >= 0 && n > 0) {
    const probes = children[probeIndex]!;
    runs = layerRuns(probes, n);
    const names = probes.dictionary!.toArray() as string[];
    fullMetadata.set(META.batchProbes, JSON.stringify(runs.map(([id]) => names[id])));
  }
  // Same Field objects as the children's types: the IPC writer finds dictionaries through them.
  const schema = new Schema(draft.fields, fullMetadata);
  const whole = new RecordBatch(
    schema,
    makeData({ type: new Struct<Record<string, DataType>>(schema.fields), length: n, nullCount: 0, children }),
  );
  const batches = runs === null ? [whole] : runs.map(([, start, end]) => whole.slice(start, end));
  return new Table(schema, batches);
}
