import { col } from './columns.ts';

/** Columns shared by the metrics tables that compare base and tuned (paired bootstrap over probes). */
export const COMPARISON_COLUMNS = [
  col('base', 'float32', 'Value for the base model (mean over probes, or the statistic on the pooled probes).'),
  col('base_lo', 'float32', 'Lower end of the bootstrap interval of `base`.'),
  col('base_hi', 'float32', 'Upper end of the bootstrap interval of `base`.'),
  col('tuned', 'float32', 'Value for the tuned model.'),
  col('tuned_lo', 'float32', 'Lower end of the bootstrap interval of `tuned`.'),
  col('tuned_hi', 'float32', 'Upper end of the bootstrap interval of `tuned`.'),
  col('delta', 'float32', 'tuned − base.'),
  col('delta_lo', 'float32', 'Lower end of the paired bootstrap interval of `delta` (same resamples for both models).'),
  col('delta_hi', 'float32', 'Upper end of the paired bootstrap interval of `delta`.'),
  col('p_value', 'float32', 'Two-sided paired permutation p-value of `delta` (base/tuned swapped within probes; exact for ≤ 10 probes).', 'probability'),
  col('n_probes', 'int32', 'Probes with data for both models in this row.', 'probes'),
] as const;
