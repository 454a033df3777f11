import type { RoutingGrid } from './routing-grid.ts';

/**
 * Per layer slot × expert: `selections` (top-k counts), `gateMass` (sum of applied gate weights),
 * `top1` (rank-0 counts), and `tokens` per layer slot (tokens with at least one routed expert).
 * Dims: [layer_slot, expert]. Selection frequency = selections / (tokens · K); gate-weighted usage
 * = gateMass / tokens. `mask` (length T) restricts to some positions (e.g. evidence tokens).
 * @example expertUsage(grid, 16).selections // Float64Array(layers × 16)
 */
export interface ExpertUsage {
  nExperts: number;
  selections: Float64Array;
  gateMass: Float64Array;
  top1: Float64Array;
  tokens: Float64Array;
}

export function expertUsage(grid: RoutingGrid, nExperts: number, mask?: ArrayLike<number>): ExpertUsage {
  const L = grid.layers.length;
  const out: ExpertUsage = {
    nExperts,
    selections: new Float64Array(L * nExperts),
    gateMass: new Float64Array(L * nExperts),
    top1: new Float64Array(L * nExperts),
    tokens: new Float64Array(L),
  };
  const { T, K, experts, gates } = grid;
  for (let l = 0; l < L; l++) {
    for (let t = 0; t < T; t++) {
      if (mask !== undefined && !mask[t]) continue;
      const base = (l * T + t) * K;
      if (experts[base]! < 0) continue;
      out.tokens[l]! += 1;
      for (let r = 0; r < K; r++) {
        const e = experts[base + r]!;
        if (e < 0 || e >= nExperts) continue;
        out.selections[l * nExperts + e]! += 1;
        out.gateMass[l * nExperts + e]! += gates[base + r]!;
        if (r === 0) out.top1[l * nExperts + e]! += 1;
      }
    }
  }
  return out;
}
