import { readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AccLensError } from '../errors.ts';
import type { FileRecord, Manifest } from '../schema/manifest.ts';
import { ensureDir, writeFailure } from './atomic-write.ts';
import { hashFile } from './file-record.ts';
import {
  assertRunFolder,
  loadManifest,
  MANIFEST_BACKUP,
  MANIFEST_FILE,
  parseManifestText,
  STATE_DIR,
  writeManifest,
} from './manifest.ts';
import { lockHolder, lockRun } from './run-lock.ts';
import { removeStaleTemps } from './stale-temps.ts';
import { checkRun, type RunCheck } from './verify-run.ts';

/** Where `--repair` moves damaged files and manifests (kept for inspection, never read as data). */
export const DAMAGED_DIR = `${STATE_DIR}/damaged`;

export interface VerifyOptions {
  /** Mark damaged units not done, move damaged run files and manifests aside, restore the manifest from its backup. */
  repair?: boolean;
  /** Record size, sha256 and rows of sound files that have none (runs before 1.2.0). */
  rehash?: boolean;
}

export interface VerifyReport extends Omit<RunCheck, 'sound'> {
  run: string;
  schema_version: string | null;
  manifest: { status: 'ok' | 'damaged' | 'missing' | 'restored' | 'moved-aside'; problem?: string };
  /** Whether the manifest records hashes: for every file, some, or none (a run before 1.2.0). */
  hashes: 'all' | 'some' | 'none';
  damaged: { units: string[]; run_files: string[] };
  locked_by: string | null;
  repaired: { units: string[]; run_files: string[]; temps_removed: string[]; rehashed: string[] } | null;
  seconds: number;
  ok: boolean;
}

async function moveAside(runDir: string, rel: string): Promise<void> {
  const to = join(runDir, DAMAGED_DIR, rel);
  await ensureDir(dirname(to));
  await rename(join(runDir, rel), to).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(error, to);
  });
}

/** The manifest to verify against: the run's, or (repairing) its backup when the manifest is damaged or gone. */
async function manifestFor(
  runDir: string,
  repair: boolean,
): Promise<{ manifest: Manifest | null; status: VerifyReport['manifest'] }> {
  const loaded = await loadManifest(runDir);
  if (loaded?.ok) return { manifest: loaded.manifest, status: { status: 'ok' } };
  if (loaded !== null && loaded.code === 'E_SCHEMA_VERSION') throw new AccLensError(loaded.code, loaded.problem);
  const backupPath = join(runDir, MANIFEST_BACKUP);
  const backupText = await readFile(backupPath, 'utf8').catch(() => null);
  if (loaded === null && backupText === null)
    throw new AccLensError('E_FILE_NOT_FOUND', `${runDir} is not a run: ${MANIFEST_FILE} is missing`);
  const problem = loaded === null ? `${join(runDir, MANIFEST_FILE)} is missing` : loaded.problem;
  const broken = loaded === null ? 'missing' : 'damaged';
  if (!repair) return { manifest: null, status: { status: broken, problem } };
  const backup = backupText === null ? null : parseManifestText(backupText, backupPath);
  if (loaded !== null) await moveAside(runDir, MANIFEST_FILE);
  if (backup === null || !backup.ok)
    return {
      manifest: null,
      status: {
        status: 'moved-aside',
        problem: `${problem}; no usable backup (${backup?.ok === false ? backup.problem : 'none'})`,
      },
    };
  // The backup keeps no timestamps (equal runs, equal backups): the restore time stands in for them.
  const manifest = { ...backup.manifest, created_at: new Date().toISOString() };
  await writeManifest(runDir, manifest);
  return { manifest, status: { status: 'restored', problem } };
}

/**
 * Checks a whole run (docs/run-store.md#integrity) and, with `repair`, makes it resumable: damaged
 * units are marked not done (the next `acc-lens capture` redoes only them), damaged run files and a
 * damaged manifest are moved to RUN/.acc-lens/damaged/, the manifest is restored from its backup.
 * Example: `const report = await verifyRun('runs/x', { repair: true })`.
 */
export async function verifyRun(runDir: string, o: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  await assertRunFolder(runDir);
  const writes = o.repair === true || o.rehash === true;
  const lock = writes ? await lockRun(runDir, 'acc-lens verify --repair') : null;
  try {
    const lockedBy = writes ? null : await lockHolder(runDir);
    const { manifest, status } = await manifestFor(runDir, o.repair === true);
    const empty = { run_files: [], units: [], stray: [], temps: [], bytes: 0 };
    const base = { run: runDir, manifest: status, locked_by: lockedBy, repaired: null };
    if (manifest === null)
      return {
        ...base,
        ...empty,
        schema_version: null,
        hashes: 'none',
        damaged: { units: [], run_files: [MANIFEST_FILE] },
        seconds: (performance.now() - started) / 1000,
        ok: status.status === 'moved-aside',
      };
    const check = await checkRun(runDir, manifest);
    const damagedUnits = check.units.filter((u) => u.status === 'damaged').map((u) => u.key);
    const damagedFiles = check.run_files
      .filter((f) => f.status === 'damaged' || f.status === 'missing')
      .map((f) => f.file);
    const hashedCount = [
      ...check.units.filter((u) => u.status !== 'skipped'),
      ...check.run_files.filter((f) => f.status !== 'absent'),
    ].filter((x) => x.hashed).length;
    const total =
      check.units.filter((u) => u.status !== 'skipped').length +
      check.run_files.filter((f) => f.status !== 'absent').length;
    let repaired: VerifyReport['repaired'] = null;
    if (writes) repaired = await repairRun(runDir, manifest, check, damagedUnits, damagedFiles, o);
    const { sound: _sound, ...rest } = check;
    return {
      ...base,
      ...rest,
      repaired,
      schema_version: manifest.schema_version,
      hashes: hashedCount === total ? 'all' : hashedCount === 0 ? 'none' : 'some',
      damaged: { units: damagedUnits, run_files: damagedFiles },
      seconds: (performance.now() - started) / 1000,
      ok: (damagedUnits.length === 0 && damagedFiles.length === 0) || o.repair === true,
    };
  } finally {
    await lock?.release();
  }
}

async function repairRun(
  runDir: string,
  manifest: Manifest,
  check: RunCheck,
  damagedUnits: string[],
  damagedFiles: string[],
  o: VerifyOptions,
): Promise<NonNullable<VerifyReport['repaired']>> {
  const next = structuredClone(manifest);
  const done = {
    units: [] as string[],
    run_files: [] as string[],
    temps_removed: [] as string[],
    rehashed: [] as string[],
  };
  if (o.repair) {
    for (const key of damagedUnits) delete next.units[key];
    done.units = damagedUnits;
    for (const file of damagedFiles) {
      await moveAside(runDir, file);
      if (next.run_files) delete next.run_files[file];
    }
    done.run_files = damagedFiles;
    done.temps_removed = await removeStaleTemps(runDir);
  }
  if (o.rehash) {
    const record = async (file: string): Promise<FileRecord> => ({
      ...(await hashFile(join(runDir, file))),
      rows: check.sound.get(file)!.numRows,
    });
    for (const unit of Object.values(next.units)) {
      if (unit.status !== 'done' || unit.files.some((f) => !check.sound.has(f))) continue;
      for (const file of unit.files) {
        if (unit.hashes?.[file] !== undefined) continue;
        unit.hashes = { ...unit.hashes, [file]: await record(file) };
        done.rehashed.push(file);
      }
    }
    for (const f of check.run_files) {
      if (f.status !== 'ok' || next.run_files?.[f.file] !== undefined) continue;
      next.run_files = { ...next.run_files, [f.file]: await record(f.file) };
      done.rehashed.push(f.file);
    }
  }
  await writeManifest(runDir, next, { backup: true });
  return done;
}
