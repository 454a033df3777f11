import type { Columns } from './arrow-read.ts';

/** Typed accessors over decoded columns (the schema fixes which columns are strings and which numbers). */
export const strings = (cols: Columns, name: string): readonly (string | null)[] => cols[name] as (string | null)[];
export const numbers = (cols: Columns, name: string): ArrayLike<number> => cols[name] as ArrayLike<number>;
export const rowCount = (cols: Columns): number => Object.values(cols)[0]?.length ?? 0;

/** Indices of the rows where every given string column equals the wanted value. */
export function rowsWhere(cols: Columns, where: Record<string, string>): number[] {
  const tests = Object.entries(where).map(([name, value]) => [strings(cols, name), value] as const);
  const out: number[] = [];
  const n = rowCount(cols);
  for (let i = 0; i < n; i++) if (tests.every(([col, v]) => col[i] === v)) out.push(i);
  return out;
}

/** Distinct values of a string column, in first-seen order. */
export const distinct = (cols: Columns, name: string): string[] => [
  ...new Set(strings(cols, name).filter((v): v is string => v !== null)),
];
