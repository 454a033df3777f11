import type { BootstrapPlan, CiMethod, Estimate } from '../../stats/bootstrap.ts';
import type { PairedEstimate } from '../../stats/paired-means.ts';
import type { Rng } from '../../stats/rng.ts';
import type { ProbeSplit } from '../../stats/split.ts';

/** Everything the aggregation stages share: probes, their families, the split and the resampling plans. */
export interface MetricsContext {
  probeIds: string[];
  /** Family names in first-seen probe order; `familyIndex[i]` indexes it. */
  families: string[];
  familyIndex: Int32Array;
  split: ProbeSplit;
  /** Resamples over all probes (tables). */
  plan: BootstrapPlan;
  /** Resamples over the report half (headline numbers for selected layers/heads). */
  reportPlan: BootstrapPlan;
  alpha: number;
  method: CiMethod;
  permutations: number;
  rng: Rng;
}

/** `all` followed by each family; index 0 = all probes. */
export const familyRows = (ctx: MetricsContext): string[] => ['all', ...ctx.families];

/** 1 for probes of family row r (0 = all) that are also in `include`. */
export function familyMask(ctx: MetricsContext, r: number, include?: ArrayLike<number>): Uint8Array {
  const n = ctx.probeIds.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    out[i] = (r === 0 || ctx.familyIndex[i] === r - 1) && (include === undefined || include[i]) ? 1 : 0;
  return out;
}

export const and = (a: ArrayLike<number>, b: ArrayLike<number>): Uint8Array =>
  Uint8Array.from({ length: a.length }, (_, i) => (a[i] && b[i] ? 1 : 0));

/** Summary form of an estimate: rounded for JSON, never NaN. */
export const est = (e: Estimate): Estimate => ({ value: round(e.value), lo: round(e.lo), hi: round(e.hi) });
export const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : 0);

/** One headline comparison as it goes into summary.json and the terminal report. */
export interface Headline {
  family: string;
  layer: number;
  head: number | null;
  query_set: string | null;
  metric: string;
  base: Estimate;
  tuned: Estimate;
  delta: Estimate;
  p_value: number;
  n_probes: number;
}

export function headline(
  fields: Omit<Headline, 'base' | 'tuned' | 'delta' | 'p_value' | 'n_probes'>,
  e: PairedEstimate,
): Headline {
  return {
    ...fields,
    base: est(e.base),
    tuned: est(e.tuned),
    delta: est(e.delta),
    p_value: round(e.pValue),
    n_probes: e.nProbes,
  };
}

/** Mean of xs over probes with mask = 1; 0 when none. */
export function maskedMean(xs: ArrayLike<number>, mask: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      s += xs[i]!;
      n++;
    }
  return n > 0 ? s / n : 0;
}

/** Indices sorted by value, largest first (ties: lower index first). */
export const orderDesc = (values: readonly number[]): number[] =>
  values.map((_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
