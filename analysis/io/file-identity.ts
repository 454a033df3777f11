import { stat } from 'node:fs/promises';

/** What tells one version of a file from another: an atomic rewrite changes the inode, an edit the mtime. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The identity of a file (following symlinks), or null when nothing is there. Example: `await fileIdentity('runs/x/manifest.json')`. */
export async function fileIdentity(path: string): Promise<FileIdentity | null> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

/** One string per identity, for cache keys. */
export const identityKey = (id: FileIdentity): string => `${id.size}:${id.mtimeMs}:${id.ino}`;
