import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { AccLensError } from '../errors.ts';
import type { Manifest } from '../schema/manifest.ts';
import { decodeArrowFile } from './arrow-file.ts';
import { recordMismatch, recordOf } from './file-record.ts';
import { REPAIR_FIX } from './manifest.ts';
import { checkArrowTable, type FileExpectation } from './run-file-check.ts';

/**
 * Reads one file of a run and checks it before anything uses it: size and sha256 against the manifest
 * (when recorded), Arrow structure, schema version and provenance; rows and unit identity too when
 * no hash was recorded (runs before 1.2.0) or `deep` asks. A missing or damaged file is E_RUN_DAMAGED
 * naming it, another major version E_SCHEMA_VERSION. Example:
 * `await readRunFile('runs/x', manifest, 'probes.arrow', { table: 'probes', record: manifest.run_files?.['probes.arrow'] })`.
 */
export async function readRunFile(
  runDir: string,
  manifest: Manifest,
  rel: string,
  e: FileExpectation,
  o: { deep?: boolean } = {},
): Promise<Table> {
  const path = join(runDir, rel);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AccLensError(
      'E_RUN_DAMAGED',
      code === 'ENOENT'
        ? `${path} is missing (the manifest lists it)`
        : `${path} cannot be read (${code ?? String(error)})`,
      REPAIR_FIX,
    );
  }
  if (e.record !== undefined) {
    const mismatch = recordMismatch(e.record, recordOf(bytes));
    if (mismatch !== null) throw new AccLensError('E_RUN_DAMAGED', `${path} is damaged: ${mismatch}`, REPAIR_FIX);
  }
  const table = decodeArrowFile(bytes, path, REPAIR_FIX);
  const [first] = checkArrowTable(manifest, table, e, o.deep === true || e.record === undefined);
  if (first !== undefined)
    throw first.version
      ? new AccLensError('E_SCHEMA_VERSION', `${path}: ${first.problem}`)
      : new AccLensError('E_RUN_DAMAGED', `${path} does not belong here: ${first.problem}`, REPAIR_FIX);
  return table;
}
