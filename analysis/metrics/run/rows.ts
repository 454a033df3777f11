import type { PairedEstimate } from '../../stats/paired-means.ts';

/** Column-oriented rows under construction: name → values. */
export type Rows = Record<string, (string | number)[]>;

export function rowsOf(names: readonly string[]): Rows {
  return Object.fromEntries(names.map((n) => [n, []]));
}

export function push(rows: Rows, row: Record<string, string | number>): void {
  for (const [k, v] of Object.entries(row)) {
    const col = rows[k];
    if (col === undefined) throw new Error(`rows: unknown column ${k}`);
    col.push(Number.isNaN(v) ? 0 : v);
  }
}

/** The shared comparison columns of one paired estimate. */
export function comparison(e: PairedEstimate): Record<string, number> {
  return {
    base: e.base.value,
    base_lo: e.base.lo,
    base_hi: e.base.hi,
    tuned: e.tuned.value,
    tuned_lo: e.tuned.lo,
    tuned_hi: e.tuned.hi,
    delta: e.delta.value,
    delta_lo: e.delta.lo,
    delta_hi: e.delta.hi,
    p_value: e.pValue,
    n_probes: e.nProbes,
  };
}

export const COMPARISON_NAMES = [
  'base',
  'base_lo',
  'base_hi',
  'tuned',
  'tuned_lo',
  'tuned_hi',
  'delta',
  'delta_lo',
  'delta_hi',
  'p_value',
  'n_probes',
] as const;
