import { MIN_EVIDENCE_DISTANCE } from './families.ts';
import { occurrenceIndex, type RetrievabilityInput } from './retrievability.ts';

/** The evidence mass an ideal order-n matcher reaches from one query set. */
export interface MatcherCeiling {
  /** Tokens matched: the query row's last n tokens against the n tokens ending at each key. */
  n: number;
  /** Mean over query rows (and probes) of the share of a row's matches inside evidence (0 for a row without a match). */
  mass: number;
}

/** The n-gram orders `matcherCeiling` tries. */
export const MATCHER_ORDERS = [1, 2, 3, 4] as const;

/**
 * The evidence mass an ideal order-n matching head puts on evidence, for each n of `orders`: each query
 * row spreads its mass uniformly over the earlier positions (≥ minDistance back, as the recency notch
 * hides closer ones) whose last n tokens equal the row's last n tokens.
 * Example: `ngramMatcherMasses(tokenized, 'answer', [1, 2])` → [0.05, 0.11].
 */
export function ngramMatcherMasses(
  probe: RetrievabilityInput,
  querySet: 'answer' | 'question',
  orders: readonly number[],
  minDistance: number = MIN_EVIDENCE_DISTANCE,
): number[] {
  const ids = probe.input_ids;
  const inEvidence = new Uint8Array(ids.length);
  for (const s of probe.segments) if (s.kind === 'evidence') inEvidence.fill(1, s.token_start, s.token_end);
  const rows: number[] = [];
  if (querySet === 'answer') for (let t = probe.answer_span.start; t < probe.answer_span.end; t++) rows.push(t);
  else
    for (const s of probe.segments)
      if (s.kind === 'question') for (let t = s.token_start; t < s.token_end; t++) rows.push(t);
  const at = occurrenceIndex(ids);
  return orders.map((n) => {
    let sum = 0;
    for (const q of rows) {
      let inside = 0;
      let all = 0;
      for (const j of at.get(ids[q] as number) ?? []) {
        if (j > q - minDistance) break;
        if (j < n - 1 || q < n - 1) continue;
        let same = true;
        for (let k = 1; k < n && same; k++) same = ids[j - k] === ids[q - k];
        if (!same) continue;
        all++;
        inside += inEvidence[j]!;
      }
      if (all > 0) sum += inside / all;
    }
    return rows.length === 0 ? 0 : sum / rows.length;
  });
}

/**
 * The best mean evidence mass over `probes` that any n-gram matching head (n in MATCHER_ORDERS) could
 * reach. A retrieval contract above it (e.g. tuned ≥ 0.5) cannot be met by token matching alone: the
 * head would also have to know what the tokens do not say (e.g. which node the question asks about).
 * Example: `matcherCeiling(graphwalksProbes, 'answer')` → { n: 3, mass: 0.2 }.
 */
export function matcherCeiling(
  probes: readonly RetrievabilityInput[],
  querySet: 'answer' | 'question',
): MatcherCeiling {
  const sums = MATCHER_ORDERS.map(() => 0);
  for (const p of probes) ngramMatcherMasses(p, querySet, MATCHER_ORDERS).forEach((m, i) => (sums[i]! += m));
  let best: MatcherCeiling = { n: 1, mass: 0 };
  MATCHER_ORDERS.forEach((n, i) => {
    const mass = sums[i]! / Math.max(1, probes.length);
    if (mass > best.mass) best = { n, mass };
  });
  return best;
}
