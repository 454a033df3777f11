import type { z } from 'zod';
import { ManifestSchema, type Manifest, type UnitEntry } from '../../../analysis/schema/manifest.ts';
import { METRICS_TABLES, metricsTableFile, type MetricsTableName } from '../../../analysis/schema/metrics-tables.ts';
import { PROBES } from '../../../analysis/schema/probes.ts';
import { SEGMENTS } from '../../../analysis/schema/segments.ts';
import { MetricsSummarySchema, type MetricsSummary } from '../../../analysis/metrics/run/summary.ts';
import { readColumns, type Columns } from './arrow-read.ts';
import { RunDataError, type RunFiles } from './run-files.ts';

/** Everything the run-level views need, decoded once: manifest, probe set, metrics tables and summary. */
export interface RunIndex {
  manifest: Manifest;
  models: string[];
  /** Base and tuned names when the run compares two models, else null (single-model run). */
  pair: { base: string; tuned: string } | null;
  probes: Columns;
  segments: Columns;
  summary: MetricsSummary | null;
  metrics: Partial<Record<MetricsTableName, Columns>>;
  /** Why a part is unavailable (e.g. no `metrics/`), each with its fix; shown in the page. */
  notices: { what: string; fix: string }[];
}

async function readJson<T>(files: RunFiles, path: string, schema: z.ZodType<T>, fix: string): Promise<T | null> {
  const bytes = await files.bytes(path);
  if (bytes === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new RunDataError(path, `is not valid JSON (${(error as Error).message})`, fix);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(root)';
    throw new RunDataError(path, `field "${field}": ${issue?.message ?? 'invalid'}`, fix);
  }
  return parsed.data;
}

const pairOf = (models: string[], summary: MetricsSummary | null) => {
  if (summary !== null) return summary.settings.models;
  return models.includes('base') && models.includes('tuned') ? { base: 'base', tuned: 'tuned' } : null;
};

/**
 * Opens a run through `files`: validates the manifest and summary, decodes the probe set and
 * every metrics table that exists. Example: `await loadRunIndex(httpRunFiles('/run'))`.
 */
export async function loadRunIndex(files: RunFiles): Promise<RunIndex> {
  const core = await loadRunCore(files);
  return core.summary === null ? core : { ...core, metrics: await loadMetricsTables(files, core.summary) };
}

/**
 * The small part of the index — manifest, summary, probe set, notices — with no metrics tables
 * (`metrics` empty): enough for the Overview, which the page draws before the tables arrive.
 */
export async function loadRunCore(files: RunFiles): Promise<RunIndex> {
  const manifest = await readJson(
    files,
    'manifest.json',
    ManifestSchema,
    'Run `acc-lens verify RUN --repair` (it restores manifest.json from the run’s backup when it can), then rerun the same `acc-lens capture` command; only if verify cannot restore it, capture again into a new --out folder.',
  );
  if (manifest === null) {
    throw new RunDataError(
      'manifest.json',
      `${files.origin} is not a run folder (no manifest.json)`,
      'Point `acc-lens view` at a folder written by `acc-lens capture` or `acc-lens demo`, e.g. runs/demo.',
    );
  }
  const required = async (path: string, spec: typeof PROBES | typeof SEGMENTS) => {
    const cols = await readColumns(files, path, spec);
    if (cols === null)
      throw new RunDataError(path, 'is missing', 'Rerun `acc-lens capture` on the run: it rewrites the probe set.');
    return cols;
  };
  // Fetched together; a missing probe set is reported before a damaged summary, as the reads are ordered.
  const reading = readJson(
    files,
    'metrics/summary.json',
    MetricsSummarySchema,
    'Recompute it: `acc-lens metrics RUN`.',
  );
  reading.catch(() => undefined);
  const [probes, segments] = await Promise.all([
    required('probes.arrow', PROBES),
    required('segments.arrow', SEGMENTS),
  ]);
  const summary = await reading;
  const models = Object.keys(manifest.models).sort();
  const notices: RunIndex['notices'] = [];
  if (summary === null) {
    notices.push(
      models.length < 2
        ? {
            what: 'This run holds one model, so there is nothing to compare.',
            fix: 'Capture a second model into the run with `acc-lens capture --model NAME --out RUN` to see comparisons.',
          }
        : {
            what: 'This run has no metrics yet (no metrics/summary.json).',
            fix: 'Run `acc-lens metrics RUN`, then reload.',
          },
    );
  }
  return { manifest, models, pair: pairOf(models, summary), probes, segments, summary, metrics: {}, notices };
}

/**
 * The metrics tables the summary lists (the ones `acc-lens metrics` wrote for this run; optional
 * ones such as `metrics_causal` are not asked for when absent), decoded; a listed one the run
 * lacks is an error.
 */
export async function loadMetricsTables(files: RunFiles, summary: MetricsSummary): Promise<RunIndex['metrics']> {
  const names = (Object.keys(METRICS_TABLES) as MetricsTableName[]).filter((n) => summary.tables.includes(n));
  const tables = await Promise.all(names.map((n) => readColumns(files, metricsTableFile(n), METRICS_TABLES[n])));
  const metrics: RunIndex['metrics'] = {};
  names.forEach((n, i) => {
    const t = tables[i];
    if (t === null || t === undefined)
      throw new RunDataError(metricsTableFile(n), 'is missing', 'Recompute the metrics: `acc-lens metrics RUN`.');
    metrics[n] = t;
  });
  return metrics;
}

/** The finished unit of (model, probe), or undefined. */
export function unitOf(index: RunIndex, model: string, probeId: string): UnitEntry | undefined {
  const unit = index.manifest.units[`${model}/${probeId}`];
  return unit?.status === 'done' ? unit : undefined;
}

/** Whether a run of this schema version has `tokens.arrow` (added in 1.1.0). */
export function hasTokenTable(schemaVersion: string): boolean {
  const [major, minor] = schemaVersion.split('.').map(Number);
  return major! > 1 || (major === 1 && minor! >= 1);
}
