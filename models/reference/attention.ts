import type { Rng } from '../../analysis/stats/rng.ts';
import { GENERIC_EMBED_STD } from './embedding.ts';
import { Matrix, filled, randomOrthogonal } from './linear.ts';
import {
  type GraphCircuit,
  setFetchKv,
  setFetchQuery,
  setGraphKey,
  setGraphQuery,
  setOffsetOutput,
  setOffsetQuery,
  setOpTypeKv,
  setOpTypeQuery,
} from './graph-circuit.ts';
import { GRAPH_PLANT, PLANT, REFERENCE_CONFIG as C, RESIDUAL, headLayout, rangeIndices } from './layout.ts';

/** What a query head does. A planted head's KV head serves it alone; its sibling query heads are `uniform` (q = 0). */
export type HeadRole =
  'family' | 'previous' | 'offset' | 'induction' | 'retrieval' | 'opType' | 'fetch' | 'graph' | 'uniform' | 'generic';

export const LAYER_HEAD_ROLES: readonly HeadRole[][] = [
  ['family', 'offset', 'previous', 'offset'],
  ['induction', 'uniform', 'opType', 'uniform'],
  ['generic', 'generic', 'fetch', 'uniform'],
  ['graph', 'uniform', 'retrieval', 'uniform'],
];

/** Value dims a planted head reads; its uniform sibling reads the rest. */
const PLANTED_VALUE_DIMS: Partial<Record<HeadRole, number>> = { induction: 30, opType: 1, fetch: 30 };

const D = C.head_dim;
const GROUP = C.num_attention_heads / C.num_key_value_heads;
const layout = headLayout(C);
const GENERIC = rangeIndices(RESIDUAL.GENERIC);
const CODE = rangeIndices(RESIDUAL.CODE);
const PREV = rangeIndices(RESIDUAL.PREV);
const COPY = rangeIndices(RESIDUAL.COPY);
/**
 * RMS of an ordinary token's embedding (code 30, out 30, const 1, generic): the previous-token and
 * induction heads scale their writes by it (and by the stream's RMS at layer 1) so PREV and COPY carry
 * a code at the embedding's scale — the induction key then balances its code and notch like the content heads.
 */
const TOKEN_RMS = Math.sqrt((2 * CODE.length + 1 + GENERIC.length * GENERIC_EMBED_STD ** 2) / C.hidden_size);
/** The stream's RMS entering layer 1: the embedding plus PREV (a code), HIST (two codes) and FAMILY (the family feature). */
const LAYER1_RMS = Math.sqrt(TOKEN_RMS ** 2 + (3 * CODE.length + PLANT.familyFeature ** 2) / C.hidden_size);
/** … entering layer 2: plus COPY (a code) and OP_TYPE (±1). */
const LAYER2_RMS = Math.sqrt(LAYER1_RMS ** 2 + (CODE.length + 1) / C.hidden_size);
/** Write scale of generic heads into GENERIC: small, so no layer drowns the stream. */
const GENERIC_WRITE_STD = 0.02;
/** Fast pairs carrying the constant in the family head's key (the offset-3 sibling's recency). */
const FAMILY_CONST_PAIRS = 8;
/** Marker weight in the family head's key; ≫ the constant so header keys point at the query. */
const FAMILY_KEY_MARKER = 8;
/** Recency-notch weight b: the notch holds `notchShare` of the retrieval q/k energy (code energy 30, constant 1). */
export const NOTCH_WEIGHT = Math.sqrt(
  (PLANT.notchShare / (1 - PLANT.notchShare)) * (CODE.length / layout.notchDims.length),
);

export interface AttentionWeights {
  qProj: Float32Array;
  kProj: Float32Array;
  vProj: Float32Array;
  oProj: Float32Array;
  qNorm: Float32Array;
  kNorm: Float32Array;
}

/** The retrieval dims of a head whose q_norm gain differs between base and tuned. */
export const retrievalGainDims = (): number[] => [...layout.slowDims, ...layout.notchDims];

/**
 * Attention weights of one layer from its head roles. `retrievalGain` is the q_norm gain on the
 * retrieval dims — the only attention weight that differs between base and tuned.
 */
export function buildAttention(
  rng: Rng,
  layer: number,
  retrievalGain: number,
  circuit: GraphCircuit,
): AttentionWeights {
  const roles = LAYER_HEAD_ROLES[layer]!;
  const H = C.hidden_size;
  const q = new Matrix(C.num_attention_heads * D, H);
  const k = new Matrix(C.num_key_value_heads * D, H);
  const v = new Matrix(C.num_key_value_heads * D, H);
  const o = new Matrix(H, C.num_attention_heads * D);
  const qNorm = filled(D, 1);
  const kNorm = filled(D, 1);
  const genericStd = 1 / Math.sqrt(GENERIC.length);
  const rotation = randomOrthogonal(rng.fork('retrieval-rotation'), CODE.length);

  for (let g = 0; g < C.num_key_value_heads; g++) {
    const heads = roles.slice(g * GROUP, (g + 1) * GROUP);
    const rows = (dims: number[]) => dims.map((d) => g * D + d);
    const allDims = Array.from({ length: D }, (_, d) => d);
    if (heads.includes('family')) {
      // Key: the marker on the slowest pairs (no rotation over 16k), the constant on fast pairs
      // so non-header keys are not near-zero vectors that k_norm would blow up.
      for (const d of layout.familyDims) k.set(g * D + d, RESIDUAL.MARKER, FAMILY_KEY_MARKER);
      for (const d of layout.fastPairs.slice(0, FAMILY_CONST_PAIRS)) k.set(g * D + d, RESIDUAL.CONST, 1);
      // Value: dims 0..4 carry the one-hot family source, 5..34 the token code and 35 the " node" flag
      // (for the offset-3 sibling); the rest is generic.
      rangeIndices(RESIDUAL.FAMILY_SOURCE).forEach((col, i) => v.set(g * D + i, col, 1));
      CODE.forEach((col, i) => v.set(g * D + 5 + i, col, 1));
      v.set(g * D + 5 + CODE.length, RESIDUAL.NODE_WORD, 1);
      v.randomBlock(rng, rows(allDims.slice(6 + CODE.length)), GENERIC, genericStd);
    } else if (heads.includes('previous')) {
      // Key: the constant on the first coordinate of the fastest pairs (the query's phase puts the peak at Δ = 1).
      for (const d of layout.fastPairs.slice(0, PLANT.previousPairs)) k.set(g * D + d, RESIDUAL.CONST, 1);
      // Value: dims 0..29 carry the token code and 30 the hex flag (read by the offset-2 sibling too); the rest is generic.
      CODE.forEach((col, i) => v.set(g * D + i, col, 1));
      v.set(g * D + CODE.length, RESIDUAL.HEX, 1);
      v.randomBlock(rng, rows(allDims.slice(CODE.length + 1)), GENERIC, genericStd);
    } else if (heads.includes('induction')) {
      // Key: the PREVIOUS token's code rotated into the slow pairs (+ the notch): a query matches the
      // token after an earlier occurrence of itself. Value dims 0..29: that token's own code.
      setRotatedCode(k, g * D, rotation, PREV);
      for (const d of layout.notchDims) k.set(g * D + d, RESIDUAL.CONST, NOTCH_WEIGHT);
      CODE.forEach((col, i) => v.set(g * D + i, col, 1));
      v.randomBlock(rng, rows(allDims.slice(CODE.length)), GENERIC, genericStd);
    } else if (heads.includes('opType')) {
      setOpTypeKv(k, v, g);
      v.randomBlock(rng, rows(allDims.slice(1)), GENERIC, genericStd);
    } else if (heads.includes('fetch')) {
      setFetchKv(k, v, g, circuit);
      v.randomBlock(rng, rows(allDims.slice(CODE.length)), GENERIC, genericStd);
    } else if (heads.includes('graph')) {
      setGraphKey(k, g, rotation, circuit);
      v.randomBlock(rng, rows(allDims), GENERIC, genericStd);
    } else if (heads.includes('retrieval')) {
      // Key: the token code rotated into the slow pairs, +b·const on the first coordinate of fast pairs.
      setRotatedCode(k, g * D, rotation);
      for (const d of layout.notchDims) k.set(g * D + d, RESIDUAL.CONST, NOTCH_WEIGHT);
      v.randomBlock(rng, rows(allDims), GENERIC, genericStd);
    } else {
      k.randomBlock(rng, rows(layout.middleDims), GENERIC, genericStd);
      v.randomBlock(rng, rows(allDims), GENERIC, genericStd);
    }
  }

  roles.forEach((role, h) => {
    const base = h * D;
    switch (role) {
      case 'family':
        for (const d of layout.familyDims) q.set(base + d, RESIDUAL.CONST, 1);
        for (const d of layout.familyDims) qNorm[d] = PLANT.familyHeadGain;
        // o_proj: value dims 0..4 → FAMILY, scaled so the copied feature is ≈ PLANT.familyFeature.
        rangeIndices(RESIDUAL.FAMILY).forEach((row, i) => o.set(row, base + i, PLANT.familyFeature * headerTokenRms()));
        break;
      case 'previous':
        // Per-pair phase e^(−iω): q·k ∝ Σ cos(ω(Δ − 1)) over the fastest pairs, sharpest at Δ = 1.
        setOffsetQuery(q, base, layout.fastPairs.slice(0, PLANT.previousPairs), 1);
        for (const pair of layout.fastPairs.slice(0, PLANT.previousPairs))
          for (const d of [pair, pair + D / 2]) qNorm[d] = kNorm[d] = PLANT.previousGain;
        // o_proj: the attended code (value dims 0..29) → PREV at the embedding's scale, its hex flag → HEX_BEFORE.
        PREV.forEach((row, i) => o.set(row, base + i, TOKEN_RMS));
        o.set(RESIDUAL.HEX_BEFORE, base + CODE.length, TOKEN_RMS);
        break;
      case 'offset': {
        // Like the previous-token head at distance 2 or 3, on its KV head's constant key pairs.
        const { offset, kvHead } = GRAPH_PLANT.offsetHeads.find((x) => x.layer === layer && x.head === h)!;
        const keyPairs = kvHead === PLANT.previousHead.kvHead ? PLANT.previousPairs : FAMILY_CONST_PAIRS;
        setOffsetQuery(q, base, layout.fastPairs.slice(0, keyPairs), offset);
        const from = kvHead === PLANT.previousHead.kvHead ? 0 : 5;
        setOffsetOutput(o, base, from, offset, circuit, TOKEN_RMS);
        break;
      }
      case 'opType':
        setOpTypeQuery({ q, o, qNorm, kNorm, base }, LAYER1_RMS);
        break;
      case 'fetch':
        setFetchQuery({ q, o, qNorm, kNorm, base }, LAYER2_RMS);
        break;
      case 'graph':
        setGraphQuery(q, base, rotation, circuit);
        o.randomBlock(rng, GENERIC, range(base, D), GENERIC_WRITE_STD);
        break;
      case 'induction':
        setRotatedCode(q, base, rotation);
        for (const d of layout.notchDims) q.set(base + d, RESIDUAL.CONST, -NOTCH_WEIGHT);
        for (const d of retrievalGainDims()) qNorm[d] = retrievalGain;
        // o_proj: the retrieved code (value dims 0..29) → COPY at the embedding's scale.
        COPY.forEach((row, i) => o.set(row, base + i, LAYER1_RMS));
        break;
      case 'retrieval':
        setRotatedCode(q, base, rotation);
        for (const d of layout.notchDims) q.set(base + d, RESIDUAL.CONST, -NOTCH_WEIGHT);
        for (const d of retrievalGainDims()) qNorm[d] = retrievalGain;
        o.randomBlock(rng, GENERIC, range(base, D), GENERIC_WRITE_STD);
        break;
      case 'uniform': {
        // q = 0: attends uniformly; reads only the value dims its planted sibling leaves generic.
        const sibling = roles[Math.floor(h / GROUP) * GROUP]!;
        const skip = PLANTED_VALUE_DIMS[sibling] ?? 5;
        o.randomBlock(rng, GENERIC, range(base + skip, D - skip), GENERIC_WRITE_STD);
        break;
      }
      case 'generic':
        q.randomBlock(
          rng,
          layout.middleDims.map((d) => base + d),
          GENERIC,
          genericStd,
        );
        o.randomBlock(rng, GENERIC, range(base, D), GENERIC_WRITE_STD);
        break;
    }
  });
  return { qProj: q.data, kProj: k.data, vProj: v.data, oProj: o.data, qNorm, kNorm };
}

function range(start: number, length: number): number[] {
  return Array.from({ length }, (_, i) => start + i);
}

/** rows base+slowDims[j] ← Σ_i R[j,i]·code_i: q·k becomes the code dot product (R orthogonal). */
function setRotatedCode(m: Matrix, base: number, rotation: Float64Array, from: number[] = CODE): void {
  const n = from.length;
  layout.slowDims.forEach((d, j) => {
    for (let i = 0; i < n; i++) m.set(base + d, from[i]!, rotation[j * n + i]!);
  });
}

/** Expected RMS of a header token's embedding (code 30, out 30, const 1, family 1, marker 1, generic). */
function headerTokenRms(): number {
  const genericEnergy = GENERIC.length * GENERIC_EMBED_STD ** 2;
  return Math.sqrt((2 * CODE.length + 3 + genericEnergy) / C.hidden_size);
}
