import type { TableSpec } from './columns.ts';
import { METRICS_ATTENTION_CHANGE, METRICS_ATTENTION_DISTANCE, METRICS_ATTENTION_HEADS } from './metrics-attention.ts';
import { METRICS_BEHAVIOUR } from './metrics-behaviour.ts';
import { METRICS_CAUSAL } from './metrics-causal.ts';
import {
  METRICS_ROUTING_AGREEMENT,
  METRICS_ROUTING_CHANGE,
  METRICS_ROUTING_EXPERTS,
  METRICS_ROUTING_LAYERS,
  METRICS_ROUTING_MI,
  METRICS_ROUTING_OVERLAP,
} from './metrics-routing.ts';

/**
 * Derived tables that `acc-lens metrics` writes to `RUN/metrics/<name>.arrow` (docs/metrics.md).
 * Kept apart from TABLES (capture output): they are recomputable and never part of a unit.
 */
export const METRICS_TABLES = {
  metrics_attention_heads: METRICS_ATTENTION_HEADS,
  metrics_attention_change: METRICS_ATTENTION_CHANGE,
  metrics_attention_distance: METRICS_ATTENTION_DISTANCE,
  metrics_routing_experts: METRICS_ROUTING_EXPERTS,
  metrics_routing_layers: METRICS_ROUTING_LAYERS,
  metrics_routing_change: METRICS_ROUTING_CHANGE,
  metrics_routing_mi: METRICS_ROUTING_MI,
  metrics_routing_overlap: METRICS_ROUTING_OVERLAP,
  metrics_routing_agreement: METRICS_ROUTING_AGREEMENT,
  metrics_behaviour: METRICS_BEHAVIOUR,
  metrics_causal: METRICS_CAUSAL,
} as const satisfies Record<string, TableSpec>;

export type MetricsTableName = keyof typeof METRICS_TABLES;
export const METRICS_DIR = 'metrics';
export const metricsTableFile = (name: MetricsTableName): string => `${METRICS_DIR}/${name}.arrow`;
