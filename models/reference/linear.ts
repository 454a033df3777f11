import type { Rng } from '../../analysis/stats/rng.ts';

/** A row-major [rows, cols] matrix being filled in (PyTorch Linear layout: [out, in]). */
export class Matrix {
  readonly data: Float32Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.data = new Float32Array(rows * cols);
  }
  set(row: number, col: number, value: number): void {
    this.data[row * this.cols + col] = value;
  }
  /** Fills rows × cols (given as index lists) with N(0, std²) draws. */
  randomBlock(rng: Rng, rows: number[], cols: number[], std: number): void {
    for (const r of rows) for (const c of cols) this.set(r, c, rng.normal() * std);
  }
}

/** A random orthogonal n × n matrix (Gram–Schmidt on Gaussian rows), row-major. */
export function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (;;) {
      for (let j = 0; j < n; j++) m[i * n + j] = rng.normal();
      for (let p = 0; p < i; p++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += m[i * n + j]! * m[p * n + j]!;
        for (let j = 0; j < n; j++) m[i * n + j]! -= dot * m[p * n + j]!;
      }
      let norm = 0;
      for (let j = 0; j < n; j++) norm += m[i * n + j]! ** 2;
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let j = 0; j < n; j++) m[i * n + j]! /= norm;
        break;
      }
    }
  }
  return m;
}

export const filled = (n: number, value: number): Float32Array => new Float32Array(n).fill(value);
