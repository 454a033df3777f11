import type { Columns } from './arrow-read.ts';
import { numbers, rowCount, strings } from './columns.ts';
import type { Est } from './comparison.ts';

/** Base/tuned routing agreement of one layer and token set. */
export interface AgreementPoint {
  layer: number;
  tokenSet: string;
  top1: Est;
  jaccard: Est;
  nTokens: number;
  nProbes: number;
}

export interface RoutingAgreement {
  family: string;
  tokenSets: string[];
  nLayers: number;
  /** By token set (in `tokenSets` order), then layer. */
  points: AgreementPoint[];
}

/**
 * Shapes `metrics_routing_agreement` for one family: per layer and token set (default evidence
 * vs other tokens), top-1 match and top-k Jaccard with their bootstrap intervals.
 * Example: `routingAgreement(index.metrics.metrics_routing_agreement, { family: 'all' })`.
 */
export function routingAgreement(cols: Columns, o: { family: string; tokenSets?: string[] }): RoutingAgreement {
  const tokenSets = o.tokenSets ?? ['evidence', 'other'];
  const family = strings(cols, 'family');
  const set = strings(cols, 'token_set');
  const layer = numbers(cols, 'layer');
  const est = (name: string, lo: string, hi: string, i: number): Est => ({
    value: numbers(cols, name)[i]!,
    lo: numbers(cols, lo)[i]!,
    hi: numbers(cols, hi)[i]!,
  });
  const points: AgreementPoint[] = [];
  let nLayers = 0;
  for (let i = 0, n = rowCount(cols); i < n; i++) {
    nLayers = Math.max(nLayers, layer[i]! + 1);
    if (family[i] !== o.family || !tokenSets.includes(set[i]!)) continue;
    points.push({
      layer: layer[i]!,
      tokenSet: set[i]!,
      top1: est('top1_match', 'top1_lo', 'top1_hi', i),
      jaccard: est('jaccard', 'jaccard_lo', 'jaccard_hi', i),
      nTokens: numbers(cols, 'n_tokens')[i]!,
      nProbes: numbers(cols, 'n_probes')[i]!,
    });
  }
  points.sort((a, b) => tokenSets.indexOf(a.tokenSet) - tokenSets.indexOf(b.tokenSet) || a.layer - b.layer);
  return { family: o.family, tokenSets, nLayers, points };
}
