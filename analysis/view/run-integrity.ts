import { join } from 'node:path';
import { ERROR_CODES } from '../errors.ts';
import { fileIdentity, identityKey, type FileIdentity } from '../io/file-identity.ts';
import { hashFile, recordMismatch } from '../io/file-record.ts';
import { loadManifest, MANIFEST_FILE } from '../io/manifest.ts';
import type { FileRecord, Manifest } from '../schema/manifest.ts';

export type { FileIdentity };

/** Why a recorded run file must not be served: 404 (listed but missing) or 409 (size or sha256 differ). */
export interface IntegrityProblem {
  status: 404 | 409;
  /** What is wrong, without the file name, e.g. "damaged: 500 bytes, the manifest recorded 1000". */
  problem: string;
  fix: string;
}

export interface RunIntegrity {
  /** The problem of a served file (`rel`: its path relative to the run, `real`: where to read it), or null. */
  checkFile(rel: string, real: string, id: FileIdentity): Promise<IntegrityProblem | null>;
  /** The problem of a file that is not there: a 404 with the fix when the manifest lists it, else null. */
  checkMissing(rel: string): Promise<IntegrityProblem | null>;
}

export interface RunIntegrityOptions {
  /** How a file is hashed (default hashFile, streamed); tests inject a counting one. */
  hash?: (path: string) => Promise<FileRecord>;
  /** The run folder as the user named it, for the fix (default `runDir`). */
  shownDir?: string;
}

/**
 * The files a manifest vouches for: run-level files and every done unit's parts, by run-relative path.
 * A part listed without a record (runs before 1.2.0) maps to null: it must exist, its bytes are not checked.
 */
export function recordedFiles(manifest: Manifest): Map<string, FileRecord | null> {
  const files = new Map<string, FileRecord | null>(Object.entries(manifest.run_files ?? {}));
  for (const unit of Object.values(manifest.units))
    if (unit.status === 'done') for (const file of unit.files) files.set(file, unit.hashes?.[file] ?? null);
  return files;
}

/** The fix, naming the user's run folder when it can be pasted as is. */
const fixFor = (runDir: string): string =>
  ERROR_CODES.E_RUN_DAMAGED.fix.replace(' RUN ', /^[\w./-]+$/.test(runDir) ? ` ${runDir} ` : ' RUN ');

/**
 * Checks served run files against the run's manifest as it is now (re-read when manifest.json
 * changes): size on every request, sha256 once per file version (path, size, mtime, inode),
 * concurrent requests sharing one streamed hash. Files the manifest does not list — a capture's
 * unfinished units, metrics/, the manifest itself — are not checked.
 * Example: `await createRunIntegrity('runs/x').checkFile('probes.arrow', '/abs/runs/x/probes.arrow', id)`.
 */
export function createRunIntegrity(runDir: string, options: RunIntegrityOptions = {}): RunIntegrity {
  const hash = options.hash ?? hashFile;
  const fix = fixFor(options.shownDir ?? runDir);
  let loaded: { key: string; files: Map<string, FileRecord | null> } | null = null;
  let loading: Promise<Map<string, FileRecord | null>> | null = null;
  const hashes = new Map<string, { key: string; record: Promise<FileRecord> }>();

  async function records(): Promise<Map<string, FileRecord | null>> {
    const id = await fileIdentity(join(runDir, MANIFEST_FILE));
    const key = id === null ? 'missing' : identityKey(id);
    if (loaded?.key === key) return loaded.files;
    loading ??= loadManifest(runDir)
      .then((m) => {
        // An unreadable manifest vouches for nothing here; the viewer reads it and shows its error.
        const files = m?.ok ? recordedFiles(m.manifest) : new Map<string, FileRecord | null>();
        loaded = { key, files };
        return files;
      })
      .finally(() => (loading = null));
    return loading;
  }

  function hashOnce(rel: string, real: string, id: FileIdentity): Promise<FileRecord> {
    const key = identityKey(id);
    const cached = hashes.get(rel);
    if (cached?.key === key) return cached.record;
    const entry = { key, record: hash(real) };
    hashes.set(rel, entry);
    const forget = () => {
      if (hashes.get(rel) === entry) hashes.delete(rel);
    };
    // A file rewritten while it was hashed: the sum belongs to neither version, so it is not kept.
    entry.record.then(async () => {
      const after = await fileIdentity(real);
      if (after === null || identityKey(after) !== key) forget();
    }, forget);
    return entry.record;
  }

  return {
    async checkFile(rel, real, id) {
      const record = (await records()).get(rel);
      if (!record) return null;
      const sized = recordMismatch(record, { bytes: id.size });
      if (sized !== null) return { status: 409, problem: `damaged: ${sized}`, fix };
      let actual: FileRecord;
      try {
        actual = await hashOnce(rel, real, id);
      } catch {
        return { status: 404, problem: 'disappeared while it was being checked (the manifest lists it)', fix };
      }
      const hashed = recordMismatch(record, actual);
      return hashed === null ? null : { status: 409, problem: `damaged: ${hashed}`, fix };
    },
    async checkMissing(rel) {
      return (await records()).has(rel) ? { status: 404, problem: 'missing (the manifest lists it)', fix } : null;
    },
  };
}
