import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AccLensError } from '../errors.ts';

/** The file operations an atomic write uses; tests swap in failing ones. */
export interface AtomicWriteFs {
  open(
    path: string,
    flags: string,
  ): Promise<{ writeFile(data: Uint8Array | string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string): Promise<void>;
}

export const nodeFs: AtomicWriteFs = {
  open: (path, flags) => fsp.open(path, flags),
  rename: (from, to) => fsp.rename(from, to),
  rm: (path) => fsp.rm(path, { force: true }),
};

const WRITE_FAILURES = new Set(['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EDQUOT', 'EIO']);

/** Turns a disk-full / read-only / permission error into E_WRITE_FAILED naming `path`; rethrows others. */
export function writeFailure(error: unknown, path: string): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && WRITE_FAILURES.has(code)) {
    return new AccLensError('E_WRITE_FAILED', `cannot write ${path}: ${code} (${(error as Error).message})`);
  }
  return error as Error;
}

/** Why `mkdir -p` can fail besides WRITE_FAILURES: a path component is a file, or a mount hides a parent. */
const MKDIR_FAILURES = new Set(['ENOENT', 'ENOTDIR', 'EEXIST']);

/** `mkdir -p` with failures (read-only mount, a file in the way, no permission) reported as E_WRITE_FAILED. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== undefined && MKDIR_FAILURES.has(code))
      throw new AccLensError(
        'E_WRITE_FAILED',
        `cannot create the folder ${dir}: ${code === 'ENOENT' ? 'a parent folder cannot be created (read-only or missing mount?)' : 'a file is in the way'} (${code})`,
        'Choose another --out folder you can write to.',
      );
    throw writeFailure(error, dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directory fsync is unsupported on some platforms (Windows); the rename itself is still atomic.
  }
}

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one: temp file
 * in the same folder, fsync, rename. On failure the temp file is removed and the old file is left
 * as it was. Example: `await writeFileAtomic('runs/x/manifest.json', json)`.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  fs: AtomicWriteFs = nodeFs,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp).catch(() => undefined);
    throw writeFailure(error, path);
  }
  await syncDir(dirname(path));
}
