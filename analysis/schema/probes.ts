import { col, defineTable, nullableCol, type BatchOf, type RowOf } from './columns.ts';

/** One row per probe of the run's probe set. Written once per run as `probes.arrow`. */
export const PROBES = defineTable({
  name: 'probes',
  doc: 'One row per probe of the probe set, in probe-set order.',
  scope: 'run',
  layered: false,
  sortBy: [],
  columns: [
    col('probe_id', 'dict', 'Probe id, unique within the probe set (may contain `/` or spaces).'),
    col('family', 'dict', 'Task family, e.g. `mrcr`, `graphwalks`, `acc_search`, `acc_swe`, `acc_sql`.'),
    col('n_tokens', 'int32', 'Prompt length in tokens (answer tokens not included).', 'tokens'),
    col('source', 'dict', 'Where the probe came from: generator name or imported file/dataset.'),
    nullableCol('answer', 'dict', 'Gold answer text; null when the probe has none.'),
    col('answer_n_tokens', 'int32', 'Gold answer length in tokens (0 when there is no answer).', 'tokens'),
    col('flags', 'dict', 'Comma-separated sorted flags (e.g. `synthetic,truncated`); empty string when none.'),
  ],
});

export type ProbesBatch = BatchOf<typeof PROBES.columns>;
export type ProbesRow = RowOf<typeof PROBES.columns>;
