import { col, defineTable } from './columns.ts';

export const METRICS_BEHAVIOUR = defineTable({
  name: 'metrics_behaviour',
  doc: 'One row per model × probe: answer log-prob and the evidence lift of the link head.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('model', 'dict', 'Model name.'),
    col('probe_id', 'dict', 'Probe id.'),
    col('family', 'dict', 'Task family.'),
    col('split', 'dict', '`select` or `report` half (`all` with --select-on none).'),
    col(
      'answer_logprob',
      'float32',
      'Mean natural-log probability of the gold answer tokens (teacher-forced).',
      'nats per token',
    ),
    col('answer_logprob_sum', 'float32', 'Sum over the answer tokens.', 'nats'),
    col('n_answer_tokens', 'int32', 'Answer tokens.', 'tokens'),
    col(
      'evidence_lift',
      'float32',
      'Evidence lift of the link head on this probe (0 when the probe has no visible evidence).',
      'ratio',
    ),
    col(
      'link_layer',
      'int16',
      'Layer of the link head: the head ranked first by change in evidence lift on the selection probes.',
    ),
    col('link_head', 'int16', 'Head of the link head.'),
    col('link_query_set', 'dict', "Query set of the link head's evidence lift."),
  ],
});
