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
  col(
    'p_value',
    'float32',
    'Two-sided paired permutation p-value of `delta` (base/tuned swapped within probes; exact for ≤ 10 probes).',
    'probability',
  ),
  col('n_probes', 'int32', 'Probes with data for both models in this row.', 'probes'),
] as const;

/**
 * The columns of a base-vs-tuned change score (Jensen–Shannon divergence, bits) with its interval,
 * p-value and rank on the selection probes; `of` says what the divergence is taken between.
 */
export const changeColumns = (of: string, probes: string) =>
  [
    col('js_bits', 'float32', `JS(base ‖ tuned) of ${of}.`, 'bits (0..1)'),
    col('js_lo', 'float32', 'Lower end of the bootstrap interval of `js_bits`.', 'bits'),
    col('js_hi', 'float32', 'Upper end of the bootstrap interval of `js_bits`.', 'bits'),
    col('p_value', 'float32', 'Permutation p-value of `js_bits` (base/tuned swapped within probes).', 'probability'),
    col('n_probes', 'int32', `Probes with ${probes} for both models.`, 'probes'),
    col('rank_select', 'int32', 'Rank of the layer by `js_bits` on the selection probes (0 = most changed).'),
  ] as const;
