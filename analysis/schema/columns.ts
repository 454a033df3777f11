/**
 * Column and table declarations shared by every run-store table. A table is declared once, as data
 * (name, Arrow kind, nullability, meaning, unit); its Arrow schema, its TypeScript batch/row types
 * and the docs table in docs/run-store.md all follow from that one declaration.
 */

/** Arrow storage of a column: strings are always Dictionary<Utf8, Int32>. */
export type ColumnKind = 'dict' | 'int16' | 'int32' | 'float32';

export interface ColumnSpec<
  N extends string = string,
  K extends ColumnKind = ColumnKind,
  Nl extends boolean = boolean,
> {
  readonly name: N;
  readonly kind: K;
  readonly nullable: Nl;
  readonly doc: string;
  readonly unit?: string;
}

/** A non-null column. */
export function col<N extends string, K extends ColumnKind>(
  name: N,
  kind: K,
  doc: string,
  unit?: string,
): ColumnSpec<N, K, false> {
  return unit === undefined ? { name, kind, nullable: false, doc } : { name, kind, nullable: false, doc, unit };
}

/** A column whose values may be null. */
export function nullableCol<N extends string, K extends ColumnKind>(
  name: N,
  kind: K,
  doc: string,
  unit?: string,
): ColumnSpec<N, K, true> {
  return unit === undefined ? { name, kind, nullable: true, doc } : { name, kind, nullable: true, doc, unit };
}

/** Values of one column in a batch: strings as arrays, numbers as typed arrays or plain arrays. */
export type ColumnValues<C> =
  C extends ColumnSpec<string, infer K, infer Nl>
    ? K extends 'dict'
      ? Nl extends true
        ? readonly (string | null)[]
        : readonly string[]
      : Nl extends true
        ? readonly (number | null)[]
        : ArrayLike<number>
    : never;

/** One table's data, column-oriented: `{ layer: Int16Array, gate: Float32Array, … }`, all of equal length. */
export type BatchOf<Cs extends readonly ColumnSpec[]> = { [C in Cs[number] as C['name']]: ColumnValues<C> };

/** One row of a table, as read back (`table.get(i)` / `toArray()` rows have these fields). */
export type RowOf<Cs extends readonly ColumnSpec[]> = {
  [C in Cs[number] as C['name']]: C extends ColumnSpec<string, infer K, infer Nl>
    ? (K extends 'dict' ? string : number) | (Nl extends true ? null : never)
    : never;
};

/** `run` tables hold the whole probe set in one file; `unit` tables have one part file per (model, probe). */
export type TableScope = 'run' | 'unit';

export interface TableSpec<Cs extends readonly ColumnSpec[] = readonly ColumnSpec[]> {
  readonly name: string;
  readonly doc: string;
  readonly scope: TableScope;
  /** Part files hold one record batch per layer, so one layer can be read alone via the file footer. */
  readonly layered: boolean;
  /** Run tables only: one record batch per probe (`acc_lens.batch_probes` lists them), so one probe reads alone. */
  readonly probeBatched?: boolean;
  /** Rows are stably sorted by these columns before writing (the rest keeps the writer's order). */
  readonly sortBy: readonly Cs[number]['name'][];
  readonly columns: Cs;
  /** Column names as constants: `ROUTING.col.gate === 'gate'`. */
  readonly col: { readonly [C in Cs[number] as C['name']]: C['name'] };
}

/** Declares a table; `col` is derived so call sites can name columns without string literals. */
export function defineTable<const Cs extends readonly ColumnSpec[]>(spec: Omit<TableSpec<Cs>, 'col'>): TableSpec<Cs> {
  const names = Object.fromEntries(spec.columns.map((c) => [c.name, c.name])) as TableSpec<Cs>['col'];
  return { ...spec, col: names };
}

/** Columns every unit table starts with; the run writer fills them from the unit it is writing. */
export const UNIT_KEY_COLUMNS = ['model', 'probe_id'] as const;

/** What capture hands to the writer for a unit table: the batch without `model` and `probe_id`. */
export type UnitBatchOf<Cs extends readonly ColumnSpec[]> = Omit<BatchOf<Cs>, (typeof UNIT_KEY_COLUMNS)[number]>;
