import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Schema, Table } from 'apache-arrow';
import { AccLensError } from '../errors.ts';
import { recordMismatch, sizeOf } from './file-record.ts';
import { checkArrowTable } from './run-file-check.ts';
import { readRunFile } from './run-file-read.ts';
import { arrowSchema } from '../schema/arrow-schema.ts';
import { decodeTable } from '../schema/decode.ts';
import { encodeTable, type LooseBatch } from '../schema/encode.ts';
import { provenanceMetadata } from '../schema/metadata.ts';
import { TABLES, type RunTableName, type TableName, type UnitTableName } from '../schema/tables.ts';
import { ArrowFileHandle } from './arrow-file.ts';
import { manifestProvenance, readManifest, REPAIR_FIX, unitKey, type Manifest, type UnitEntry } from './manifest.ts';
import { runTableFile } from './run-writer.ts';

/** An opened run: its folder and validated manifest. */
export interface Run {
  dir: string;
  manifest: Manifest;
}

/** Opens a run folder (reads and validates `manifest.json`; a file, a damaged manifest or another major schema is a coded error). */
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

function partOf(run: Run, table: UnitTableName, model: string, probeId: string): { unit: UnitEntry; file: string } {
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
  return { unit, file };
}

/** One done unit's part, checked (hash when recorded; see readRunFile). */
function readUnitFile(run: Run, table: UnitTableName, unit: UnitEntry, file: string): Promise<Table> {
  return readRunFile(run.dir, run.manifest, file, {
    table,
    unit: { model: unit.model, probeId: unit.probe_id },
    ...(unit.hashes?.[file] ? { record: unit.hashes[file] } : {}),
  });
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
  const { unit, file } = partOf(run, table, where.model, where.probeId);
  if (where.layer === undefined) return readUnitFile(run, table, unit, file);
  if (!TABLES[table].layered)
    throw new AccLensError('E_USAGE', `${table} is not stored per layer; read it without { layer }`);
  // One layer is read through the footer, so the whole-file hash is not computed: size and provenance are checked.
  const path = join(run.dir, file);
  const record = unit.hashes?.[file];
  const size = await sizeOf(path);
  if (size === null) throw new AccLensError('E_RUN_DAMAGED', `${path} is missing (the manifest lists it)`, REPAIR_FIX);
  const mismatch = record === undefined ? null : recordMismatch(record, { bytes: size });
  if (mismatch !== null) throw new AccLensError('E_RUN_DAMAGED', `${path} is damaged: ${mismatch}`, REPAIR_FIX);
  const handle = await ArrowFileHandle.open(path);
  try {
    const [problem] = checkArrowTable(
      run.manifest,
      new Table(handle.schema, []),
      { table, unit: { model: unit.model, probeId: unit.probe_id } },
      false,
    );
    if (problem !== undefined)
      throw new AccLensError(
        problem.version ? 'E_SCHEMA_VERSION' : 'E_RUN_DAMAGED',
        `${path}: ${problem.problem}`,
        REPAIR_FIX,
      );
    return await handle.readLayer(where.layer);
  } finally {
    await handle.close();
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
    const whole = await readRunTable(run, table);
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
  const tables: Table[] = [];
  for (const u of parts) tables.push(await readUnitFile(run, table, u, `${u.dir}/${table}.arrow`));
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

/**
 * A run-level table, checked. Missing is fine only where nothing needs it: `tokens` in runs written
 * without one (before 1.1.0), `probes`/`segments` before any unit finished. Otherwise E_RUN_DAMAGED.
 */
async function readRunTable(run: Run, table: RunTableName): Promise<Table> {
  const file = runTableFile(table);
  const record = run.manifest.run_files?.[file];
  if (record === undefined && !existsSync(join(run.dir, file))) {
    const needed = table !== 'tokens' && Object.values(run.manifest.units).some((u) => u.status === 'done');
    if (!needed) return emptyTable(run, table);
    throw new AccLensError(
      'E_RUN_DAMAGED',
      `${join(run.dir, file)} is missing, but the run has finished units`,
      'Rerun the same `acc-lens capture` command on the run: it rewrites the probe set files.',
    );
  }
  return readRunFile(run.dir, run.manifest, file, { table, ...(record ? { record } : {}) });
}
