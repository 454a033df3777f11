import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import type { MetricsOutput } from '../metrics/run/compute-run.ts';
import type { MetricsSource } from '../metrics/run/source.ts';
import { MetricsSummarySchema, type MetricsSummary } from '../metrics/run/summary.ts';
import { encodeTable, type LooseBatch } from '../schema/encode.ts';
import { provenanceMetadata } from '../schema/metadata.ts';
import { METRICS_DIR, METRICS_TABLES, metricsTableFile, type MetricsTableName } from '../schema/metrics-tables.ts';
import { readArrowFile, writeArrowFile } from './arrow-file.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';
import { readJsonFile } from './json-file.ts';
import { manifestProvenance } from './manifest.ts';
import { readPart, readTable, type Run } from './run-reader.ts';

/**
 * The metrics pipeline's view of a run folder: tables read lazily, one unit at a time.
 * Example: `await computeMetrics(runSource(await openRun('runs/demo')), options)`.
 */
export function runSource(run: Run): MetricsSource {
  const files = (model: string, id: string) => run.manifest.units[`${model}/${id}`];
  return {
    models: Object.keys(run.manifest.models),
    probes: () => readTable(run, 'probes'),
    segments: () => readTable(run, 'segments'),
    has: (table, model, id) => {
      const u = files(model, id);
      return u?.status === 'done' && u.files.includes(`${u.dir}/${table}.arrow`);
    },
    unit: (table, model, id) => readPart(run, table, { model, probeId: id }),
  };
}

/** Writes the metric tables and summary.json into RUN/metrics/ (atomically, file by file); returns the files. */
export async function writeMetrics(run: Run, output: MetricsOutput): Promise<string[]> {
  await ensureDir(join(run.dir, METRICS_DIR));
  const written: string[] = [];
  const provenance = manifestProvenance(run.manifest);
  for (const [name, rows] of Object.entries(output.tables)) {
    const spec = METRICS_TABLES[name as MetricsTableName];
    const table = encodeTable(spec, rows as unknown as LooseBatch, provenanceMetadata(provenance, name));
    await writeArrowFile(join(run.dir, metricsTableFile(name as MetricsTableName)), table);
    written.push(metricsTableFile(name as MetricsTableName));
  }
  await writeFileAtomic(join(run.dir, METRICS_DIR, 'summary.json'), `${JSON.stringify(output.summary, null, 2)}\n`);
  return [...written, `${METRICS_DIR}/summary.json`];
}

/**
 * One table `acc-lens metrics` wrote (RUN/metrics/NAME.arrow). Example:
 * `decodeTable(METRICS_TABLES.metrics_attention_heads, await readMetricsTable(run, 'metrics_attention_heads'))`.
 */
export const readMetricsTable = (run: Run, name: MetricsTableName): Promise<Table> =>
  readArrowFile(join(run.dir, metricsTableFile(name)));

/** RUN/metrics/summary.json, validated (errors name the file and the field). */
export const readMetricsSummary = (run: Run): Promise<MetricsSummary> =>
  readJsonFile(
    join(run.dir, METRICS_DIR, 'summary.json'),
    MetricsSummarySchema,
    'metrics summary',
    'Run `acc-lens metrics RUN` first.',
  );
