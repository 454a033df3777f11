/** The run-store contract (docs/run-store.md): table declarations, Arrow schemas, metadata. No I/O. */
export * from './columns.ts';
export * from './metadata.ts';
export * from './distance-bins.ts';
export * from './query-sets.ts';
export * from './arrow-schema.ts';
export * from './encode.ts';
export * from './decode.ts';
export * from './tables.ts';
export * from './probes.ts';
export * from './segments.ts';
export * from './attention-segments.ts';
export * from './attention-distance.ts';
export * from './attention-rows.ts';
export * from './routing.ts';
export * from './router-probs.ts';
export * from './answer-logprobs.ts';
export * from './metrics-tables.ts';
