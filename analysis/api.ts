/**
 * The public API (`import { openRun, computeMetrics } from 'acc-lens'`; docs/api.md): open a run, read
 * its tables, compute metrics, capture. Sources are TypeScript, loaded through tsx as bin/acc-lens.js does.
 */

// Runs: open, read tables, write metrics.
export { openRun, readTable, readPart, listUnits, type Run } from './io/run-reader.ts';
export { readManifest, type Manifest, type UnitEntry } from './io/manifest.ts';
export { readArrowFile } from './io/arrow-file.ts';
export { runSource, writeMetrics, readMetricsTable, readMetricsSummary } from './io/metrics-files.ts';
export { exportParquet, type ExportedFile } from './io/parquet-export.ts';

// The run-store contract: tables, columns, query sets, distance bins.
export { TABLES, TABLE_NAMES, type TableName } from './schema/tables.ts';
export { METRICS_TABLES, type MetricsTableName } from './schema/metrics-tables.ts';
export { decodeTable, type DecodedColumn } from './schema/decode.ts';
export { QUERY_SETS, type QuerySet } from './schema/query-sets.ts';
export { N_DISTANCE_BINS, distanceBin, distanceBinEdges } from './schema/distance-bins.ts';

// Metrics: the whole pipeline, and each metric as a pure function.
export { computeMetrics, type MetricsOptions, type MetricsOutput } from './metrics/run/compute-run.ts';
export type { MetricsSource } from './metrics/run/source.ts';
export { MetricsSummarySchema, type MetricsSummary } from './metrics/run/summary.ts';
export { formatReport } from './metrics/run/report.ts';
export { checkGroundTruth, GroundTruthSchema } from './metrics/ground-truth-check.ts';
export { evidenceLift, mergeSpans, uniformSpanMass, type Span } from './metrics/evidence-lift.ts';
export { segmentSetMass } from './metrics/segment-mass.ts';
export { sinkMass } from './metrics/sink-mass.ts';
export { LOCAL_WINDOW_BINS, distanceEntropyBits, localMass } from './metrics/distance-profile.ts';
export { entropyBits, jsDivergenceBits } from './metrics/divergence.ts';
export { contingency, mutualInformationBits } from './metrics/mutual-information.ts';
export { expertSelectivity } from './metrics/expert-selectivity.ts';
export { loadBalance } from './metrics/load-balance.ts';
export { answerLogprob } from './metrics/answer-logprob.ts';
export { pearson, spearman } from './metrics/correlation.ts';

// Statistics.
export { bootstrapPlan, type BootstrapPlan, type CiMethod, type Estimate } from './stats/bootstrap.ts';
export { pairedMeans, type PairedEstimate } from './stats/paired-means.ts';
export { createRng, type Rng } from './stats/rng.ts';

// Capture.
export { runCapture, type CaptureOptions, type CaptureSummary } from './capture/run-capture.ts';
export { DEFAULT_PLAN, parsePlan, type CapturePlan } from './capture/plan.ts';

// Errors: one catalogue of codes, each with a fix.
export { AccLensError, ERROR_CODES, type ErrorCode } from './errors.ts';
