/**
 * Level of detail for long-context strips: a window [start, end) of token positions drawn in
 * `columns` pixel columns. Zoomed out, a column pools several tokens; zoomed in, a token spans
 * several columns. Nothing is lost by pooling: masses are summed, evidence spans keep ≥ 1 column.
 */
export interface Window {
  start: number;
  end: number;
}

export interface Columns1D {
  /** Token position where column c starts (length columns + 1; last = window end). */
  edges: Int32Array;
  columns: number;
}

/** Column edges for a window; when the window is shorter than `columns`, fewer columns (one per token). */
export function columnEdges(w: Window, columns: number): Columns1D {
  const span = Math.max(1, w.end - w.start);
  const n = Math.max(1, Math.min(columns, span));
  const edges = new Int32Array(n + 1);
  for (let c = 0; c <= n; c++) edges[c] = w.start + Math.floor((c * span) / n);
  return { edges, columns: n };
}

/** Column that holds token position `p` (−1 outside the window). */
export function columnOf(cols: Columns1D, p: number): number {
  const { edges } = cols;
  if (p < edges[0]! || p >= edges[cols.columns]!) return -1;
  let lo = 0;
  let hi = cols.columns - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid]! <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Sums weights of (position, weight) pairs per column: a single strongly attended token stays as
 * strong as it is however far one zooms out (a sum never averages it away). `exclude` drops
 * positions (e.g. the sink, token 0).
 */
export function poolMass(
  cols: Columns1D,
  positions: ArrayLike<number>,
  weights: ArrayLike<number>,
  exclude: (p: number) => boolean = () => false,
): Float32Array {
  const out = new Float32Array(cols.columns);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (exclude(p)) continue;
    const c = columnOf(cols, p);
    if (c >= 0) out[c] = out[c]! + weights[i]!;
  }
  return out;
}

/** A span drawn in column units, at least one column wide when it intersects the window at all. */
export function spanColumns(cols: Columns1D, start: number, end: number): { c0: number; c1: number } | null {
  const w0 = cols.edges[0]!;
  const w1 = cols.edges[cols.columns]!;
  if (end <= w0 || start >= w1 || end <= start) return null;
  const c0 = columnOf(cols, Math.max(start, w0));
  const c1 = columnOf(cols, Math.min(end, w1) - 1) + 1;
  return { c0, c1: Math.max(c1, c0 + 1) };
}

/**
 * Mode per (row, column) of a categorical row-major [rows × positions] grid (e.g. the top-1 expert
 * of every layer and token), over the tokens of each column; ties go to the lower category.
 * Also the share of tokens in the column where `other` differs (disagreement), when given.
 */
export function poolMode(
  cols: Columns1D,
  grid: Int16Array,
  rows: number,
  positions: number,
  categories: number,
  other?: Int16Array,
): { mode: Int16Array; differ: Float32Array } {
  const mode = new Int16Array(rows * cols.columns);
  const differ = new Float32Array(rows * cols.columns);
  // Counts are reset lazily by generation stamps, so a column costs its tokens, not `categories`.
  const counts = new Int32Array(categories);
  const stamp = new Int32Array(categories).fill(-1);
  let gen = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * positions;
    for (let c = 0; c < cols.columns; c++, gen++) {
      const p0 = cols.edges[c]!;
      const p1 = Math.min(positions, cols.edges[c + 1]!);
      let best = -1;
      let bestCount = 0;
      let diff = 0;
      for (let p = p0; p < p1; p++) {
        const e = grid[base + p]!;
        if (other !== undefined && other[base + p] !== e) diff++;
        if (e < 0 || e >= categories) continue;
        if (stamp[e] !== gen) {
          stamp[e] = gen;
          counts[e] = 0;
        }
        const n = ++counts[e]!;
        if (n > bestCount || (n === bestCount && e < best)) {
          best = e;
          bestCount = n;
        }
      }
      mode[r * cols.columns + c] = best;
      differ[r * cols.columns + c] = p1 > p0 ? diff / (p1 - p0) : 0;
    }
  }
  return { mode, differ };
}
