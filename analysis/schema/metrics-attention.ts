import { col, defineTable } from './columns.ts';
import { changeColumns, COMPARISON_COLUMNS } from './metrics-comparison.ts';

/** Per-head attention metrics, base vs tuned (docs/metrics.md). */
export const METRICS_ATTENTION_HEADS = defineTable({
  name: 'metrics_attention_heads',
  doc: 'One row per family × layer × head × query set × metric: base, tuned and tuned − base with paired bootstrap CIs.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family, or `all` for every probe (bootstrap stratified by family).'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('head', 'int16', "Query head, 0-based; -1 = mean over the layer's heads."),
    col(
      'query_set',
      'dict',
      'Query set: `answer`, `question`, `all` (from attention_segments) or `last` (from attention_rows).',
    ),
    col(
      'metric',
      'dict',
      '`evidence_mass`, `evidence_lift`, `distractor_mass`, `distractor_lift`, `sink_mass`, `local_mass` or `entropy_bits`.',
    ),
    ...COMPARISON_COLUMNS,
    col(
      'rank_select',
      'int32',
      "Rank (0 = largest) of this head's mean delta among the layer×head cells of the same family, query set and metric, computed on the selection probes; -1 for head means.",
    ),
  ],
});

/** Per-layer attention change: JS divergence between head-averaged distance profiles. */
export const METRICS_ATTENTION_CHANGE = defineTable({
  name: 'metrics_attention_change',
  doc: 'One row per family × layer × query set: Jensen–Shannon divergence between base and tuned head-averaged distance profiles.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family or `all`.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('query_set', 'dict', 'Query set of the distance profiles.'),
    ...changeColumns('the probe-averaged, head-averaged 32-bin distance profiles', 'distance profiles'),
  ],
});

/** Head-averaged distance profiles. */
export const METRICS_ATTENTION_DISTANCE = defineTable({
  name: 'metrics_attention_distance',
  doc: 'One row per family × layer × query set × distance bin: head-averaged attention mass, base vs tuned.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family or `all`.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('query_set', 'dict', 'Query set.'),
    col('bin', 'int16', 'Distance bin 0..31 of `distanceBinEdges()`.'),
    col('bin_lo', 'int32', 'Smallest distance in the bin (inclusive).', 'tokens'),
    col('bin_hi', 'int32', 'Bin end (exclusive).', 'tokens'),
    ...COMPARISON_COLUMNS,
  ],
});
