import type { Table } from 'apache-arrow';

/**
 * Where the pipeline reads a run from. The metrics code never touches the file system: the CLI
 * passes a source backed by `analysis/io` (openRun/readPart), the viewer one backed by fetched bytes,
 * tests one backed by a RunWriter-written folder.
 */
export interface MetricsSource {
  /** Model names of the run. */
  models: readonly string[];
  probes(): Promise<Table>;
  segments(): Promise<Table>;
  /** Whether the unit is done and kept `table`. */
  has(table: UnitTable, model: string, probeId: string): boolean;
  unit(table: UnitTable, model: string, probeId: string): Promise<Table>;
}

export type UnitTable = 'attention_segments' | 'attention_distance' | 'attention_rows' | 'routing' | 'answer_logprobs';
