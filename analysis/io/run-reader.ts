import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Schema, Table } from 'apache-arrow';
import { AccLensError } from '../errors.ts';
import { arrowSchema } from '../schema/arrow-schema.ts';
import { decodeTable } from '../schema/decode.ts';
import { encodeTable, type LooseBatch } from '../schema/encode.ts';
import { provenanceMetadata } from '../schema/metadata.ts';
import { TABLES, type RunTableName, type TableName, type UnitTableName } from '../schema/tables.ts';
import { ArrowFileHandle, readArrowFile } from './arrow-file.ts';
import { manifestProvenance, readManifest, unitKey, type Manifest, type UnitEntry } from './manifest.ts';
import { runTableFile } from './run-writer.ts';

/** An opened run: its folder and validated manifest. */
export interface Run {
  dir: string;
  manifest: Manifest;
}

/** Opens a run folder (reads and validates `manifest.json`). */
export async function openRun(dir: string): Promise<Run> {
  return { dir, manifest: await readManifest(dir) };
}

/** Every finished unit (done or skipped), sorted by model then probe id. */
export function listUnits(run: Run): UnitEntry[] {
  return Object.values(run.manifest.units).sort((a, b) =>
    a.model === b.model ? cmp(a.probe_id, b.probe_id) : cmp(a.model, b.model),
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function partPath(run: Run, table: UnitTableName, model: string, probeId: string): string {
  const unit = run.manifest.units[unitKey(model, probeId)];
  if (unit?.status !== 'done') {
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `${run.dir}: unit ${unitKey(model, probeId)} is ${unit === undefined ? 'not finished' : 'skipped'}`,
      'Run `acc-lens capture` on the run to finish it, or pick a unit from listUnits().',
    );
  }
  const file = `${unit.dir}/${table}.arrow`;
  if (!unit.files.includes(file)) {
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `${run.dir}: unit ${unitKey(model, probeId)} has no ${table} (its capture plan did not keep it)`,
    );
  }
  return join(run.dir, file);
}

/**
 * One unit's rows of a per-unit table; with `layer`, only that layer's record batch is read from disk.
 * Example: `await readPart(run, 'routing', { model: 'tuned', probeId: 'mrcr/1', layer: 3 })`.
 */
export async function readPart(
  run: Run,
  table: UnitTableName,
  where: { model: string; probeId: string; layer?: number },
): Promise<Table> {
  const path = partPath(run, table, where.model, where.probeId);
  if (where.layer === undefined) return readArrowFile(path);
  if (!TABLES[table].layered)
    throw new AccLensError('E_USAGE', `${table} is not stored per layer; read it without { layer }`);
  const file = await ArrowFileHandle.open(path);
  try {
    return await file.readLayer(where.layer);
  } finally {
    await file.close();
  }
}

/** An empty table of `table`'s schema with the run's provenance. */
function emptyTable(run: Run, table: TableName): Table {
  return new Table(arrowSchema(TABLES[table], provenanceMetadata(manifestProvenance(run.manifest), table)), []);
}

/** Keeps the rows whose probe id is in `probeIds` (run-level tables are small; re-encoding is fine). */
function filterProbes(run: Run, table: RunTableName, whole: Table, probeIds: ReadonlySet<string>): Table {
  const cols = decodeTable(TABLES[table], whole);
  const keep = (cols.probe_id as string[]).flatMap((id, i) => (probeIds.has(id) ? [i] : []));
  const picked = Object.fromEntries(
    Object.entries(cols).map(([name, values]) => [name, keep.map((i) => values[i] ?? null)]),
  );
  return encodeTable(TABLES[table], picked as unknown as LooseBatch, whole.schema.metadata);
}

/**
 * All rows of a table, concatenated over the done units (optionally only some models/probes).
 * Parts keep their own dictionaries; the result is for reading, not for re-writing as one IPC file.
 * Example: `await readTable(run, 'routing', { models: ['base', 'tuned'] })`.
 */
export async function readTable(
  run: Run,
  table: TableName,
  where: { models?: readonly string[]; probeIds?: readonly string[] } = {},
): Promise<Table> {
  const probeIds = where.probeIds === undefined ? undefined : new Set(where.probeIds);
  if (table === 'probes' || table === 'segments' || table === 'tokens') {
    const path = join(run.dir, runTableFile(table));
    if (!existsSync(path)) return emptyTable(run, table);
    const whole = await readArrowFile(path);
    return probeIds === undefined ? whole : filterProbes(run, table, whole, probeIds);
  }
  const models = where.models === undefined ? undefined : new Set(where.models);
  const parts = listUnits(run).filter(
    (u) =>
      u.status === 'done' &&
      (models?.has(u.model) ?? true) &&
      (probeIds?.has(u.probe_id) ?? true) &&
      u.files.includes(`${u.dir}/${table}.arrow`),
  );
  if (parts.length === 0) return emptyTable(run, table);
  const tables = await Promise.all(parts.map((u) => readArrowFile(join(run.dir, u.dir, `${table}.arrow`))));
  // Run-wide provenance instead of the first part's (its model only, its batch layers).
  const usedModels = [...new Set(parts.map((u) => u.model))].sort();
  const schema = new Schema(
    tables[0]!.schema.fields,
    provenanceMetadata(manifestProvenance(run.manifest, usedModels), table),
  );
  return new Table(
    schema,
    tables.flatMap((t) => t.batches),
  );
}
