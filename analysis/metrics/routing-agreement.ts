import type { RoutingGrid } from './routing-grid.ts';

/**
 * Token-level agreement of two models' routing on the same probe, per layer slot: sums over tokens
 * of top-1 match (0/1) and top-k Jaccard |A ∩ B| / |A ∪ B|, and the token count, separately for
 * tokens with `mask[t] = 1` (e.g. evidence) and the rest. Tokens missing in either model are skipped.
 * Dims of every array: [layer_slot]. Identical routing gives match = Jaccard = 1 per token.
 * @example routingAgreement(a, a, mask).inside.top1[0] / routingAgreement(a, a, mask).inside.tokens[0] // 1
 */
export interface AgreementSums {
  top1: Float64Array;
  jaccard: Float64Array;
  tokens: Float64Array;
}

export function routingAgreement(
  a: RoutingGrid,
  b: RoutingGrid,
  mask: ArrayLike<number>,
): { inside: AgreementSums; outside: AgreementSums } {
  if (a.layers.length !== b.layers.length || a.K !== b.K)
    throw new Error('routingAgreement: grids differ in layers or top-k');
  const L = a.layers.length;
  const sums = (): AgreementSums => ({
    top1: new Float64Array(L),
    jaccard: new Float64Array(L),
    tokens: new Float64Array(L),
  });
  const inside = sums();
  const outside = sums();
  const K = a.K;
  const T = Math.min(a.T, b.T);
  for (let l = 0; l < L; l++) {
    for (let t = 0; t < T; t++) {
      const ia = (l * a.T + t) * K;
      const ib = (l * b.T + t) * K;
      if (a.experts[ia]! < 0 || b.experts[ib]! < 0) continue;
      let inter = 0;
      let na = 0;
      let nb = 0;
      for (let r = 0; r < K; r++) {
        const ea = a.experts[ia + r]!;
        if (ea >= 0) na++;
        if (b.experts[ib + r]! >= 0) nb++;
        if (ea < 0) continue;
        for (let s = 0; s < K; s++)
          if (b.experts[ib + s] === ea) {
            inter++;
            break;
          }
      }
      const union = na + nb - inter;
      const target = mask[t] ? inside : outside;
      target.tokens[l]! += 1;
      target.top1[l]! += a.experts[ia] === b.experts[ib] ? 1 : 0;
      target.jaccard[l]! += union > 0 ? inter / union : 1;
    }
  }
  return { inside, outside };
}
