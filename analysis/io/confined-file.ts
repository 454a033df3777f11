import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** An open regular file inside a confined root; the caller reads and closes `handle`. */
export interface ConfinedFile {
  ok: true;
  handle: FileHandle;
  size: number;
  /** Real path (symlinks resolved), inside the root. */
  path: string;
}

/** Why a path was not opened. `outside`: its real path leaves the root (a symlink pointing out). */
export interface ConfinedRefusal {
  ok: false;
  why: 'missing' | 'outside' | 'folder' | 'not-regular' | 'denied';
}

const within = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

/** The real path of a folder (symlinks resolved), or null when it does not exist or is not a folder. */
export async function realFolder(dir: string): Promise<string | null> {
  try {
    const real = await realpath(dir);
    return (await stat(real)).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

/** What a path is, following symlinks: for checking a command's folder argument before using it. */
export async function pathKind(path: string): Promise<'missing' | 'file' | 'folder' | 'other'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Opens `segments` (already checked: no `.`/`..`, no separators) below `realRoot` read-only, only if
 * its real path stays inside `realRoot` and it is a regular file. Example:
 * `await openConfinedFile(await realFolder('runs/x'), ['parts', 'base', 'p1', 'routing.arrow'])`.
 */
export async function openConfinedFile(
  realRoot: string,
  segments: readonly string[],
): Promise<ConfinedFile | ConfinedRefusal> {
  const lexical = join(realRoot, ...segments);
  if (!within(realRoot, lexical)) return { ok: false, why: 'outside' };
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (error) {
    return { ok: false, why: refusal(error) };
  }
  if (!within(realRoot, real)) return { ok: false, why: 'outside' };
  let handle: FileHandle;
  try {
    const first = await stat(real);
    if (first.isDirectory()) return { ok: false, why: 'folder' };
    if (!first.isFile()) return { ok: false, why: 'not-regular' };
    // NOFOLLOW: the real path's last component must not have become a symlink since realpath;
    // NONBLOCK: a FIFO swapped in meanwhile must not hang the open.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, why: refusal(error) };
  }
  const opened = await handle.stat();
  if (!opened.isFile()) {
    await handle.close();
    return { ok: false, why: 'not-regular' };
  }
  return { ok: true, handle, size: opened.size, path: real };
}

function refusal(error: unknown): ConfinedRefusal['why'] {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  if (code === 'ELOOP') return 'not-regular';
  return 'missing';
}
