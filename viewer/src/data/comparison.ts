import type { Columns } from './arrow-read.ts';
import { numbers } from './columns.ts';

export interface Est {
  value: number;
  lo: number;
  hi: number;
}

/** One row of a metrics comparison table (COMPARISON_COLUMNS): base, tuned and Δ with CIs, p, n. */
export interface Comparison {
  base: Est;
  tuned: Est;
  delta: Est;
  p: number;
  n: number;
}

const est = (cols: Columns, prefix: string, i: number): Est => ({
  value: numbers(cols, prefix)[i]!,
  lo: numbers(cols, `${prefix}_lo`)[i]!,
  hi: numbers(cols, `${prefix}_hi`)[i]!,
});

/** Reads the comparison columns of row `i`. */
export function comparisonAt(cols: Columns, i: number): Comparison {
  return {
    base: est(cols, 'base', i),
    tuned: est(cols, 'tuned', i),
    delta: est(cols, 'delta', i),
    p: numbers(cols, 'p_value')[i]!,
    n: numbers(cols, 'n_probes')[i]!,
  };
}
