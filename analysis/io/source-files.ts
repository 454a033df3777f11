import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * Every file below `root/relDir` (or `relDir` itself when it is a file), as sorted `/`-separated
 * paths relative to `root`; nothing when it does not exist. Example:
 * `await listSourceFiles('/repo', 'viewer/src')` → `['viewer/src/App.svelte', 'viewer/src/main.ts', …]`.
 */
export async function listSourceFiles(root: string, relDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, relDir), { withFileTypes: true, recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return [relDir];
    if (code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The bytes of `root/relPath`, or null when it is missing (a deleted source still changes a hash). */
export async function readSourceFile(root: string, relPath: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(join(root, relPath)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw error;
  }
}
