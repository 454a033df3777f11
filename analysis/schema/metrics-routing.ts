import { col, defineTable } from './columns.ts';
import { changeColumns, COMPARISON_COLUMNS } from './metrics-comparison.ts';

export const METRICS_ROUTING_EXPERTS = defineTable({
  name: 'metrics_routing_experts',
  doc: 'One row per model × family × layer × expert: expert usage.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('family', 'dict', 'Task family or `all`.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('expert', 'int16', 'Expert index, 0-based.'),
    col(
      'frequency',
      'float32',
      'Selection frequency: top-k selections of the expert ÷ all top-k selections (sums to 1 over experts).',
      'share (0..1)',
    ),
    col(
      'gate_usage',
      'float32',
      'Gate-weighted usage: sum of the gate weights applied to the expert ÷ routed tokens.',
      'weight per token',
    ),
    col('top1_frequency', 'float32', 'Share of tokens whose rank-0 expert is this one.', 'share (0..1)'),
    col(
      'family_share',
      'float32',
      'frequency in this family ÷ sum over families of the frequency (1 on `all` rows).',
      'share (0..1)',
    ),
    col(
      'selectivity',
      'float32',
      'Task selectivity of the expert in this model and layer: 1 − H(family shares)/log2(#families); same on every row of the expert.',
      '0..1',
    ),
    col(
      'rank',
      'int32',
      'Rank by frequency within model × family × layer (0 = most used; -1 = never used). Top-N experts = rank < N.',
    ),
  ],
});

export const METRICS_ROUTING_LAYERS = defineTable({
  name: 'metrics_routing_layers',
  doc: 'One row per family × layer × metric: routing specialization and balance, base vs tuned.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family or `all` (MI and overlap exist only for `all`).'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('metric', 'dict', '`mi_bits`, `mi_top1_bits`, `topn_jaccard`, `entropy_bits` or `load_balance`.'),
    ...COMPARISON_COLUMNS,
  ],
});

export const METRICS_ROUTING_CHANGE = defineTable({
  name: 'metrics_routing_change',
  doc: 'One row per family × layer × measure: Jensen–Shannon divergence between base and tuned expert usage.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family or `all`.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('measure', 'dict', '`selections` (top-k counts) or `gate` (gate-weighted usage).'),
    ...changeColumns('the usage distributions over experts; for `all`, the mean over the families present', 'routing'),
  ],
});

export const METRICS_ROUTING_MI = defineTable({
  name: 'metrics_routing_mi',
  doc: 'One row per model × layer × measure: I(task; expert) with a family-permutation null.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('measure', 'dict', '`selections` (every top-k choice is one count) or `top1` (rank-0 expert only).'),
    col('mi_bits', 'float32', 'I(task family; expert) of the pooled family × expert count table.', 'bits'),
    col('mi_lo', 'float32', 'Lower end of the bootstrap interval.', 'bits'),
    col('mi_hi', 'float32', 'Upper end of the bootstrap interval.', 'bits'),
    col(
      'null_mean_bits',
      'float32',
      'Mean MI with the family labels shuffled across probes (what MI reads with no task structure).',
      'bits',
    ),
    col('null_p_value', 'float32', 'Add-one p-value of `mi_bits` against the family-permutation null.', 'probability'),
    col('n_permutations', 'int32', 'Shuffles drawn for the null.'),
  ],
});

export const METRICS_ROUTING_OVERLAP = defineTable({
  name: 'metrics_routing_overlap',
  doc: 'One row per model × layer × pair of families: overlap of their top-N experts.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('family_a', 'dict', 'First family.'),
    col('family_b', 'dict', 'Second family.'),
    col('top_n', 'int32', 'N of the top-N sets (20 at 128 experts, the same share otherwise).'),
    col('jaccard', 'float32', "Jaccard overlap of the two families' top-N experts by selection frequency.", '0..1'),
  ],
});

export const METRICS_ROUTING_AGREEMENT = defineTable({
  name: 'metrics_routing_agreement',
  doc: 'One row per family × layer × token set: token-level agreement of base and tuned routing.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('family', 'dict', 'Task family or `all`.'),
    col('layer', 'int16', 'Decoder layer, 0-based.'),
    col('token_set', 'dict', '`all`, `evidence` (tokens inside evidence segments) or `other`.'),
    col('top1_match', 'float32', 'Share of tokens whose rank-0 expert is the same in both models.', 'share (0..1)'),
    col('top1_lo', 'float32', 'Lower end of the bootstrap interval.'),
    col('top1_hi', 'float32', 'Upper end of the bootstrap interval.'),
    col('jaccard', 'float32', "Mean over tokens of |A ∩ B| / |A ∪ B| of the two models' top-k expert sets.", '0..1'),
    col('jaccard_lo', 'float32', 'Lower end of the bootstrap interval.'),
    col('jaccard_hi', 'float32', 'Upper end of the bootstrap interval.'),
    col('n_tokens', 'int32', 'Tokens compared.', 'tokens'),
    col('n_probes', 'int32', 'Probes with such tokens.', 'probes'),
  ],
});
