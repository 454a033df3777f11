import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { pathExists, removeTree } from './local-files.ts';

import { join, resolve } from 'node:path';
import { AccLensError } from '../errors.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';
import { recordMismatch, recordOf } from './file-record.ts';
import {
  identityMismatch,
  readManifest,
  writeManifest,
  type FileRecord,
  type Manifest,
  type UnitEntry,
  STATE_DIR,
} from './manifest.ts';
import { decodeArrowFile } from './arrow-file.ts';
import { checkArrowTable } from './run-file-check.ts';
import { lockRun } from './run-lock.ts';
import { runTableFile } from './run-writer.ts';
import { partTable } from './unit-check.ts';
import { RUN_TABLE_NAMES, type TableName } from '../schema/tables.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));

/** Checks that the shards belong to one sharded capture and that all of them are present. */
function checkShards(dirs: readonly string[], manifests: readonly Manifest[]): void {
  const first = manifests[0]!;
  const count = first.shard?.count;
  const seen = new Set<number>();
  manifests.forEach((m, i) => {
    const mismatch = identityMismatch(first, m);
    if (mismatch !== null)
      throw new AccLensError('E_CONFIG_INVALID', `cannot merge ${dirs[i]} with ${dirs[0]}: ${mismatch[0]} differs`);
    if (m.shard === null || m.shard.count !== count)
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `${dirs[i]}: shard is ${JSON.stringify(m.shard)}, expected one of ${count ?? '?'} shards`,
      );
    if (seen.has(m.shard.index))
      throw new AccLensError('E_CONFIG_INVALID', `${dirs[i]}: shard ${m.shard.index}/${count} given twice`);
    seen.add(m.shard.index);
  });
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `shard(s) ${missing.join(', ')} of ${count} missing`,
      'Pass every shard folder of the capture.',
    );
}

/**
 * A shard's file, checked before it is copied: against its recorded size and sha256, or (a shard
 * without hashes) decoded and checked for structure, provenance and unit identity.
 */
async function checkedBytes(
  shardDir: string,
  manifest: Manifest,
  file: string,
  table: TableName,
  record: FileRecord | undefined,
  unit?: UnitEntry,
): Promise<Uint8Array> {
  const path = join(shardDir, file);
  const fix = `Run \`acc-lens verify ${shardDir} --repair\`, rerun that shard's capture, then merge again.`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new AccLensError('E_RUN_DAMAGED', `${path} cannot be read (${(error as NodeJS.ErrnoException).code})`, fix);
  }
  const mismatch = record === undefined ? null : recordMismatch(record, recordOf(bytes));
  if (mismatch !== null) throw new AccLensError('E_RUN_DAMAGED', `${path} is damaged: ${mismatch}`, fix);
  if (record === undefined) {
    const expect = { table, ...(unit ? { unit: { model: unit.model, probeId: unit.probe_id } } : {}) };
    const [problem] = checkArrowTable(manifest, decodeArrowFile(bytes, path, fix), expect, true);
    if (problem !== undefined) throw new AccLensError('E_RUN_DAMAGED', `${path}: ${problem.problem}`, fix);
  }
  return bytes;
}

/**
 * Merges the shard folders of one sharded capture into `outDir`, without recomputing anything:
 * the result equals the unsharded run (same units, byte-identical part files; timestamps aside).
 * Example: `await mergeRuns(['runs/x.0', 'runs/x.1'], 'runs/x')`.
 */
export async function mergeRuns(shardDirs: readonly string[], outDir: string): Promise<Manifest> {
  if (shardDirs.length === 0) throw new AccLensError('E_USAGE', 'mergeRuns: no shard folders given');
  const shards = shardDirs.map((d) => resolve(d));
  if (shards.includes(resolve(outDir)))
    throw new AccLensError('E_USAGE', `--out ${outDir} is one of the shard folders; merge into a new folder`);
  if (existsSync(join(outDir, 'manifest.json')))
    throw new AccLensError('E_USAGE', `${outDir} already holds a run; merge into a new folder`);
  const manifests = await Promise.all(shardDirs.map(readManifest));
  checkShards(shardDirs, manifests);
  const created = !pathExists(outDir);
  const stateCreated = !pathExists(join(outDir, STATE_DIR));
  await ensureDir(outDir);

  const lock = await lockRun(outDir, 'acc-lens capture merge');
  const written: string[] = [];
  try {
    return await copyShards(shardDirs, manifests, outDir, written);
  } catch (error) {
    // A failed merge leaves nothing of itself: the files it copied go, and the folder if it made it.
    for (const path of written.reverse()) removeTree(path);
    throw error;
  } finally {
    await lock.release();
    if (!pathExists(join(outDir, 'manifest.json'))) {
      if (created) removeTree(outDir);
      else if (stateCreated) removeTree(join(outDir, STATE_DIR));
    }
  }
}

async function copyShards(
  shardDirs: readonly string[],
  manifests: readonly Manifest[],
  outDir: string,
  written: string[],
): Promise<Manifest> {
  const copy = async (path: string, bytes: Uint8Array) => {
    written.push(path);
    await writeFileAtomic(path, bytes);
  };
  const folder = async (relative: string) => {
    // Each folder this merge creates, outermost first, so that removing them in reverse leaves none.
    const parts = relative.split('/');
    parts.forEach((_, i) => {
      const path = join(outDir, ...parts.slice(0, i + 1));
      if (!pathExists(path)) written.push(path);
    });
    await ensureDir(join(outDir, relative));
  };

  const runFiles: Record<string, FileRecord> = {};
  for (const table of RUN_TABLE_NAMES) {
    const file = runTableFile(table);
    let merged: Uint8Array | undefined;
    for (const [i, dir] of shardDirs.entries()) {
      const record = manifests[i]!.run_files?.[file];
      if (record === undefined && !existsSync(join(dir, file))) continue;
      const bytes = await checkedBytes(dir, manifests[i]!, file, table, record);
      if (merged === undefined) {
        merged = bytes;
        await copy(join(outDir, file), bytes);
        runFiles[file] = { ...recordOf(bytes), ...(record?.rows !== undefined ? { rows: record.rows } : {}) };
      } else if (!sameBytes(merged, bytes))
        throw new AccLensError('E_CONFIG_INVALID', `${join(dir, file)} differs from the other shards' ${table}`);
    }
  }
  const units: Record<string, UnitEntry> = {};
  for (const [i, manifest] of manifests.entries()) {
    for (const [key, unit] of Object.entries(manifest.units)) {
      if (units[key] !== undefined)
        throw new AccLensError('E_CONFIG_INVALID', `unit ${key} is in more than one shard (${shardDirs[i]})`);
      if (unit.files.length > 0) await folder(unit.dir);

      for (const file of unit.files) {
        const table = partTable(file);
        if (table === null)
          throw new AccLensError('E_RUN_DAMAGED', `${join(shardDirs[i]!, file)}: not a part file of a known table`);
        const bytes = await checkedBytes(shardDirs[i]!, manifest, file, table, unit.hashes?.[file], unit);
        await copy(join(outDir, file), bytes);
      }

      units[key] = unit;
    }
  }
  const first = manifests[0]!;
  const created = manifests.map((m) => m.created_at).sort()[0] ?? first.created_at;
  const hasRunFiles = Object.keys(runFiles).length > 0 && manifests.some((m) => m.run_files !== undefined);
  const result: Manifest = {
    ...first,
    created_at: created,
    shard: null,
    ...(hasRunFiles ? { run_files: runFiles } : {}),
    units,
  };
  await writeManifest(outDir, result, { backup: true });
  return result;
}
