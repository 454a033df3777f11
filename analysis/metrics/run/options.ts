import type { CiMethod } from '../../stats/bootstrap.ts';

/** How computeMetrics resamples, selects and names the two models. */
export interface MetricsOptions {
  resamples: number;
  permutations: number;
  seed: number;
  alpha: number;
  method: CiMethod;
  /** `half` = select on one half of each family, report on the other; `none` = post hoc on all probes. */
  selectOn: 'half' | 'none';
  /** Seed of the split (defaults to `seed`); `--select-on split:S`. */
  splitSeed?: number;
  models: [string, string];
  /** Top-N experts for overlap and the top-expert lists; default 20 at 128 experts, same share otherwise. */
  topN?: number;
}
