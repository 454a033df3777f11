import type { TableSpec } from '../../../analysis/schema/columns.ts';
import type { DecodedColumn } from '../../../analysis/schema/decode.ts';

export type Row = Record<string, string | number | null>;

/** Column batch → rows, float32 columns rounded to float32 as storage does. */
export function toRows(
  spec: TableSpec,
  batch: Readonly<Record<string, ArrayLike<unknown>>>,
  constants: Record<string, string> = {},
): Row[] {
  const first = spec.columns.find((c) => constants[c.name] === undefined)!;
  const n = batch[first.name]!.length;
  return Array.from({ length: n }, (_, i) =>
    Object.fromEntries(
      spec.columns.map((c) => {
        const v = constants[c.name] ?? (batch[c.name]![i] as string | number | null);
        return [c.name, c.kind === 'float32' && typeof v === 'number' ? Math.fround(v) : v];
      }),
    ),
  );
}

export function decodedRows(spec: TableSpec, cols: Record<string, DecodedColumn>): Row[] {
  return toRows(spec, cols as Record<string, ArrayLike<unknown>>);
}

/** Stable sort by the table's sort keys: the order the writer promises. */
export function sortRows(spec: TableSpec, rows: Row[]): Row[] {
  const key = (a: Row, b: Row): number => {
    for (const k of spec.sortBy) {
      const x = a[k] ?? null;
      const y = b[k] ?? null;
      if (x !== y) return x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    }
    return 0;
  };
  return rows
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => key(a, b) || i - j)
    .map(([r]) => r);
}
