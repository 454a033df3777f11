import { col, defineTable } from './columns.ts';

export const METRICS_CAUSAL = defineTable({
  name: 'metrics_causal',
  doc: 'One row per intervention × task family (and `all`): its effect on answer log-prob and the share of the tuned − base gain it accounts for (runs of `acc-lens intervene`).',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('intervention', 'dict', 'Intervention name (the spec).'),
    col('unit_model', 'dict', 'Model name its units are stored under (`<model>.<name>`).'),
    col('model', 'dict', 'The model it rewrites: base or tuned.'),
    col('what', 'dict', 'What it does, e.g. `mean-ablate L1H0 L3H2; base routers in layers 1, 2`.'),
    col('family', 'dict', 'Task family, or `all`.'),
    col('n_probes', 'int32', 'Probes with base, tuned and the intervention.', 'probes'),
    col('effect', 'float32', 'Mean over probes of intervened − rewritten model, answer log-prob.', 'nats per token'),
    col('effect_lo', 'float32', 'Lower bound of its paired bootstrap interval.', 'nats per token'),
    col('effect_hi', 'float32', 'Upper bound.', 'nats per token'),
    col('p_value', 'float32', 'Two-sided sign-flip permutation p-value of the effect.'),
    col('gain', 'float32', 'Mean tuned − base answer log-prob on the same probes.', 'nats per token'),
    col('gain_lo', 'float32', 'Lower bound of its bootstrap interval.', 'nats per token'),
    col('gain_hi', 'float32', 'Upper bound.', 'nats per token'),
    col(
      'share',
      'float32',
      'Share of the gain: removed, (tuned − iv) / (tuned − base), for rewrites of tuned; brought, (iv − base) / (tuned − base), for rewrites of base.',
      'ratio',
    ),
    col('share_lo', 'float32', 'Lower bound of its bootstrap interval (same resamples).', 'ratio'),
    col('share_hi', 'float32', 'Upper bound.', 'ratio'),
    col('share_kind', 'dict', '`removed` or `brought`.'),
  ],
});
