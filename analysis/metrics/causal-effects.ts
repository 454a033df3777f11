import { bootstrapPlan, bootstrapStatistic, type CiMethod, type Estimate } from '../stats/bootstrap.ts';
import { pairedMeans } from '../stats/paired-means.ts';
import type { Rng } from '../stats/rng.ts';

/** Per probe (aligned arrays): mean answer log-prob of base, tuned and one intervened model. */
export interface CausalInput {
  family: ArrayLike<number>;
  base: ArrayLike<number>;
  tuned: ArrayLike<number>;
  intervened: ArrayLike<number>;
  /** Which model the intervention rewrote: its effect is intervened − that model. */
  parent: 'base' | 'tuned';
}

export interface CausalEffect {
  /** Mean over probes of intervened − parent (nats per answer token), bootstrap CI, sign-flip p-value. */
  effect: Estimate;
  pValue: number;
  /** Mean tuned − base over the same probes. */
  gain: Estimate;
  /**
   * Share of the tuned − base gain: for a rewrite of tuned, the share it removes, (tuned − iv) / (tuned − base);
   * for a rewrite of base, the share it brings, (iv − base) / (tuned − base). Ratio of means, bootstrapped.
   */
  share: Estimate;
  nProbes: number;
}

export interface CausalOptions {
  resamples: number;
  permutations: number;
  alpha: number;
  method: CiMethod;
  rng: Rng;
}

/**
 * Effect of one intervention on answer log-prob, over the probes with `include` set, with paired
 * bootstrap CIs (resamples stratified by family) and the share of the tuned − base gain it accounts for.
 * @example causalEffect({ family: [0, 0], base: [-10, -10], tuned: [-2, -2], intervened: [-10, -10], parent: 'tuned' }, null, o).share.value // 1
 */
export function causalEffect(x: CausalInput, include: ArrayLike<number> | null, o: CausalOptions): CausalEffect {
  const plan = bootstrapPlan(x.family, include, o.resamples, o.rng.fork('causal-bootstrap'));
  const parent = x.parent === 'tuned' ? x.tuned : x.base;
  const paired = pairedMeans(plan, parent, x.intervened, null, {
    alpha: o.alpha,
    method: o.method,
    permutations: o.permutations,
    rng: o.rng.fork('causal-permutation'),
  });
  const gain = pairedMeans(plan, x.base, x.tuned, null, {
    alpha: o.alpha,
    method: o.method,
    permutations: 0,
    rng: o.rng.fork('causal-gain'),
  }).delta;
  const share = bootstrapStatistic(
    plan,
    (w) => {
      let num = 0,
        den = 0;
      for (let i = 0; i < plan.n; i++) {
        const k = w[i]!;
        if (k === 0) continue;
        num += k * (x.parent === 'tuned' ? x.tuned[i]! - x.intervened[i]! : x.intervened[i]! - x.base[i]!);
        den += k * (x.tuned[i]! - x.base[i]!);
      }
      return den === 0 ? null : num / den;
    },
    { alpha: o.alpha, method: o.method },
  );
  return { effect: paired.delta, pValue: paired.pValue, gain, share, nProbes: paired.nProbes };
}
