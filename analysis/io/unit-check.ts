import { join } from 'node:path';
import { AccLensError } from '../errors.ts';
import type { Manifest, UnitEntry } from '../schema/manifest.ts';
import { isTableName, TABLES, type TableName } from '../schema/tables.ts';
import { hashFile, recordMismatch, sizeOf } from './file-record.ts';
import { readRunFile } from './run-file-read.ts';

/**
 * How hard a unit's files are checked. `size`: sizes against the manifest; `hash`: sizes and sha256
 * (resume's fast path: no Arrow decoding); `deep`: hash plus Arrow structure, provenance, rows, unit
 * identity and layers (verify). Files without a recorded hash (runs before 1.2.0) are always decoded.
 */
export type CheckLevel = 'size' | 'hash' | 'deep';

/** What is wrong with one file of a unit (path relative to the run). */
export interface UnitFileProblem {
  file: string;
  problem: string;
  version?: boolean;
}

/** The table a part file holds, from its name (`…/routing.arrow` → routing), or null for an unknown name. */
export function partTable(file: string): TableName | null {
  const name =
    file
      .split('/')
      .pop()
      ?.replace(/\.arrow$/, '') ?? '';
  return isTableName(name) && TABLES[name].scope === 'unit' ? name : null;
}

/**
 * Checks every file a done unit lists, at `level`; returns the problems (empty when the unit is sound).
 * Example: `await checkUnit('runs/x', manifest, manifest.units['base/p1']!, 'hash')`.
 */
export async function checkUnit(
  runDir: string,
  manifest: Manifest,
  unit: UnitEntry,
  level: CheckLevel,
): Promise<UnitFileProblem[]> {
  const problems: UnitFileProblem[] = [];
  for (const file of unit.files) {
    const path = join(runDir, file);
    const record = unit.hashes?.[file];
    const table = partTable(file);
    if (table === null) {
      problems.push({ file, problem: 'is not a part file of a known table' });
      continue;
    }
    if (record !== undefined && level !== 'deep') {
      const size = await sizeOf(path);
      const actual = size === null || level === 'size' ? size : await hashFile(path);
      const mismatch =
        actual === null
          ? 'is missing'
          : recordMismatch(record, typeof actual === 'number' ? { bytes: actual } : actual);
      if (mismatch !== null) problems.push({ file, problem: mismatch });
      continue;
    }
    try {
      await readRunFile(
        runDir,
        manifest,
        file,
        { table, unit: { model: unit.model, probeId: unit.probe_id }, ...(record ? { record } : {}) },
        { deep: true },
      );
    } catch (error) {
      if (!(error instanceof AccLensError)) throw error;
      problems.push({
        file,
        problem: error.message.replace(`${path} `, '').replace(`${path}: `, ''),
        ...(error.code === 'E_SCHEMA_VERSION' ? { version: true } : {}),
      });
    }
  }
  return problems;
}
