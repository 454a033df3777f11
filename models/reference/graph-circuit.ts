import { REFERENCE_CONFIG as C, GRAPH_PLANT, RESIDUAL, headLayout, rangeIndices, ropeFrequency } from './layout.ts';
import type { Matrix } from './linear.ts';

/**
 * The GraphWalks circuit's weights (docs/reference-models.md, planted mechanism 4). Every position
 * carries a 4-gram of token codes K4(t) = c(t) + R·c(t−1) + R²·c(t−2) + R³·c(t−3) (CODE, PREV, HIST);
 * at the answer rows the fetch head copies the operation node's K4 into QNODE and the graph head
 * matches QNODE, shifted by the operation's separator, against the K4 of every edge-list position.
 */
export interface GraphCircuit {
  /** R, a random orthogonal 30 × 30 (row-major), and its square and cube. */
  ngram: Float64Array;
  ngram2: Float64Array;
  ngram3: Float64Array;
  /** Token codes of " node", " with" and " ->" as the embedding wrote them. */
  codes: { node: Float64Array; with: Float64Array; arrow: Float64Array };
}

const D = C.head_dim;
const HALF = D / 2;
const N = RESIDUAL.CODE.end - RESIDUAL.CODE.start;
const layout = headLayout(C);
const CODE = rangeIndices(RESIDUAL.CODE);
const PREV = rangeIndices(RESIDUAL.PREV);
const HIST = rangeIndices(RESIDUAL.HIST);
const QNODE = rangeIndices(RESIDUAL.QNODE);

function matMul(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let k = 0; k < N; k++) {
      const x = a[i * N + k]!;
      for (let j = 0; j < N; j++) out[i * N + j]! += x * b[k * N + j]!;
    }
  return out;
}

function matVec(a: Float64Array, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i]! += a[i * N + j]! * v[j]!;
  return out;
}

export function graphCircuit(ngram: Float64Array, codes: GraphCircuit['codes']): GraphCircuit {
  const ngram2 = matMul(ngram, ngram);
  return { ngram, ngram2, ngram3: matMul(ngram2, ngram), codes };
}

/** m[rows[i], cols[j]] += scale · M[i, j] for a 30 × 30 block M (identity when M is null). */
function addBlock(m: Matrix, rows: readonly number[], cols: readonly number[], M: Float64Array | null, scale = 1) {
  rows.forEach((r, i) =>
    cols.forEach((c, j) => {
      const x = M === null ? (i === j ? 1 : 0) : M[i * N + j]!;
      if (x !== 0) m.set(r, c, m.data[r * m.cols + c]! + scale * x);
    }),
  );
}

/** The K4 key/value rows: rows ← CODE + R·PREV + HIST, each mapped by `M` (identity when null). */
function setFourGram(m: Matrix, rows: readonly number[], circuit: GraphCircuit, M: Float64Array | null) {
  const into = (block: Float64Array | null) => (M === null ? block : block === null ? M : matMul(M, block));
  addBlock(m, rows, CODE, into(null));
  addBlock(m, rows, PREV, into(circuit.ngram));
  addBlock(m, rows, HIST, into(null));
}

/** Query phase e^(−iωΔ) on `pairs`: q·k ∝ Σ cos(ω(Δ' − Δ)) against a constant key, peaking at Δ' = Δ. */
export function setOffsetQuery(q: Matrix, base: number, pairs: readonly number[], offset: number) {
  for (const pair of pairs) {
    const w = ropeFrequency(C, pair);
    q.set(base + pair, RESIDUAL.CONST, Math.cos(w * offset));
    q.set(base + pair + HALF, RESIDUAL.CONST, -Math.sin(w * offset));
  }
}

/** Offset heads' writes: value dims [from, from+30) (a code) → HIST through R^offset, value dim from+30 → `flagRow`. */
export function setOffsetOutput(
  o: Matrix,
  base: number,
  from: number,
  offset: 2 | 3,
  circuit: GraphCircuit,
  scale: number,
) {
  const cols = Array.from({ length: N }, (_, i) => base + from + i);
  addBlock(o, HIST, cols, offset === 2 ? circuit.ngram2 : circuit.ngram3, scale);
  o.set(offset === 2 ? RESIDUAL.HEX_BEFORE : RESIDUAL.NODE_3_BEFORE, base + from + N, scale);
}

const first = (pair: number) => pair;
const both = (pairs: readonly number[]) => pairs.flatMap((p) => [p, p + HALF]);
/** Constant on these dims of q or k (disjoint between q and k, so it adds nothing to q·k): keeps q_norm/k_norm linear. */
const BASELINE = 4;
const FETCH_DIMS = { node: 56, with: 57, hexNode: 58, hexWith: 59 } as const;
const FETCH_Q_BASELINE = both([60, 61]);
const FETCH_K_BASELINE = both([62, 63]);
const OP_Q_BASELINE = both([44, 45]);
const OP_K_BASELINE = both([46, 47]);
/** Feature weights are logit / FEATURE_UNIT in the query, so they stay small beside the baseline. */
const FEATURE_UNIT = 16;

/** Key and value of the operation-type KV head (layer 1): " parents" / " BFS" flags; value = parents − BFS. */
export function setOpTypeKv(k: Matrix, v: Matrix, g: number) {
  const p = GRAPH_PLANT.opTypeHead;
  k.set(g * D + first(p.featurePair), RESIDUAL.PARENTS_WORD, p.parentsWeight);
  k.set(g * D + first(p.featurePair), RESIDUAL.BFS_WORD, p.bfsWeight);
  for (const d of OP_K_BASELINE) k.set(g * D + d, RESIDUAL.CONST, BASELINE);
  v.set(g * D, RESIDUAL.PARENTS_WORD, 1);
  v.set(g * D, RESIDUAL.BFS_WORD, -1);
}

/** What a query head's builder writes: its q_proj and o_proj rows/columns from `base`, and the layer's q_norm / k_norm. */
export interface QueryHead {
  q: Matrix;
  o: Matrix;
  qNorm: Float32Array;
  kNorm: Float32Array;
  base: number;
}

/** The operation-type head: attends to the last " BFS", else the " parents" words; writes ±1 into OP_TYPE. */
export function setOpTypeQuery({ q, o, qNorm, kNorm, base }: QueryHead, rms: number) {
  const p = GRAPH_PLANT.opTypeHead;
  q.set(base + first(p.featurePair), RESIDUAL.CONST, 1);
  for (const d of OP_Q_BASELINE) q.set(base + d, RESIDUAL.CONST, BASELINE);
  qNorm[first(p.featurePair)] = kNorm[first(p.featurePair)] = p.gain;
  o.set(RESIDUAL.OP_TYPE, base, rms);
}

/** Key and value of the fetch KV head (layer 2): flags on slow pairs, recency on middle ones; value = K4. */
export function setFetchKv(k: Matrix, v: Matrix, g: number, circuit: GraphCircuit) {
  const at = (pair: number, col: number, x: number) => k.set(g * D + first(pair), col, x);
  at(FETCH_DIMS.node, RESIDUAL.NODE_3_BEFORE, 1);
  at(FETCH_DIMS.with, RESIDUAL.WITH_WORD, 1);
  at(FETCH_DIMS.hexNode, RESIDUAL.HEX, 1);
  at(FETCH_DIMS.hexNode, RESIDUAL.HEX_BEFORE, 1);
  at(FETCH_DIMS.hexWith, RESIDUAL.HEX_BEFORE, 1);
  for (const pair of GRAPH_PLANT.fetch.recencyPairs) at(pair, RESIDUAL.CONST, 1);
  for (const d of FETCH_K_BASELINE) k.set(g * D + d, RESIDUAL.CONST, BASELINE);
  setFourGram(
    v,
    Array.from({ length: N }, (_, i) => g * D + i),
    circuit,
    null,
  );
}

/**
 * The fetch head: at the answer rows, attends to the operation's node — for parents the position three
 * tokens after " node" (the node's first pieces), for BFS the " with" after it (its last pieces) —
 * and writes that position's K4 into QNODE. Bilinear in OP_TYPE: weights (CONST ± OP_TYPE)/2.
 */
export function setFetchQuery({ q, o, qNorm, kNorm, base }: QueryHead, rms: number) {
  const f = GRAPH_PLANT.fetch;
  const at = (pair: number, logit: number, sign: 1 | -1 | 0) => {
    q.set(base + first(pair), RESIDUAL.CONST, logit / FEATURE_UNIT / (sign === 0 ? 1 : 2));
    if (sign !== 0) q.set(base + first(pair), RESIDUAL.OP_TYPE, (sign * logit) / FEATURE_UNIT / 2);
  };
  at(FETCH_DIMS.node, f.nodeLogit, 1);
  at(FETCH_DIMS.hexNode, f.hexLogit, 1);
  at(FETCH_DIMS.with, f.withLogit, -1);
  at(FETCH_DIMS.hexWith, f.hexLogit, -1);
  for (const pair of f.recencyPairs) at(pair, f.recencyLogit / f.recencyPairs.length, 0);
  for (const d of FETCH_Q_BASELINE) q.set(base + d, RESIDUAL.CONST, BASELINE);
  // q̂·k̂/√D = q·k · gain² · √D / (|q||k|) with |q| ≈ |k| ≈ the baseline's norm: gain² = |q||k| / √D makes it q·k · FEATURE_UNIT.
  const norm = Math.sqrt(FETCH_Q_BASELINE.length) * BASELINE;
  const gain = Math.sqrt((FEATURE_UNIT * norm * norm) / Math.sqrt(D));
  for (const pair of [...Object.values(FETCH_DIMS), ...f.recencyPairs]) qNorm[first(pair)] = kNorm[first(pair)] = gain;
  QNODE.forEach((row, i) => o.set(row, base + i, rms));
}

/** Key of the graph KV head (layer 3): K4 rotated into the slow pairs. */
export function setGraphKey(k: Matrix, g: number, rotation: Float64Array, circuit: GraphCircuit) {
  setFourGram(
    k,
    layout.slowDims.map((d) => g * D + d),
    circuit,
    rotation,
  );
}

/**
 * The graph head's query: QNODE with the operation node's own context removed (R³·c(" node") for
 * parents, c(" with") for BFS) and the edge separator put in its place (R³·c(" ->"): a dst occurrence
 * three tokens on; c(" ->"): the separator right after a src occurrence), rotated into the slow pairs.
 */
export function setGraphQuery(q: Matrix, base: number, rotation: Float64Array, circuit: GraphCircuit) {
  const a = GRAPH_PLANT.graphHead.arrowWeight;
  const { node, with: withCode, arrow } = circuit.codes;
  const node3 = matVec(circuit.ngram3, node);
  const arrow3 = matVec(circuit.ngram3, arrow);
  // parents (OP_TYPE = +1): −R³c(node) + a·R³c(->); BFS (OP_TYPE = −1): −c(with) + a·c(->).
  const parents = node3.map((x, i) => -x + a * arrow3[i]!);
  const bfs = withCode.map((x, i) => -x + a * arrow[i]!);
  const constant = parents.map((x, i) => (x + bfs[i]!) / 2);
  const opType = parents.map((x, i) => (x - bfs[i]!) / 2);
  const rows = layout.slowDims.map((d) => base + d);
  addBlock(q, rows, QNODE, rotation);
  const rotated = (v: Float64Array) => matVec(rotation, v);
  const c = rotated(constant),
    t = rotated(opType);
  rows.forEach((r, i) => {
    q.set(r, RESIDUAL.CONST, c[i]!);
    q.set(r, RESIDUAL.OP_TYPE, t[i]!);
  });
}
