import type { RunIndex } from '../data/run-index.ts';
import type { AttentionLayer, ProbeTokens, RoutingGrid, SegmentMass } from '../data/probe-data.ts';

/** Requests the page sends the data worker, and what each answers. */
export interface DataRequests {
  /** The run's core: everything but the metrics tables (`metrics` is empty). */
  index: { args: Record<string, never>; result: RunIndex };
  metrics: { args: Record<string, never>; result: RunIndex['metrics'] };
  tokens: { args: { probe: string }; result: ProbeTokens | null };
  attention: { args: { model: string; probe: string; layer: number }; result: AttentionLayer | null };
  segmentMass: { args: { model: string; probe: string; layer: number; head: number }; result: SegmentMass | null };
  routing: { args: { model: string; probe: string; positions: number }; result: RoutingGrid | null };
}

export type Method = keyof DataRequests;

export type WorkerRequest = { [M in Method]: { id: number; method: M; args: DataRequests[M]['args'] } }[Method];

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; file: string | null; fix: string | null } }
  | { id: number; progress: { done: number; total: number } };
