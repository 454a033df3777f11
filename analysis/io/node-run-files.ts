import { open, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { RunFiles } from '../../viewer/src/data/run-files.ts';

/** RunFiles over a run folder on disk (figures, notebooks); paths may not leave the folder. */
export function nodeRunFiles(runDir: string): RunFiles {
  const root = resolve(runDir);
  const full = (path: string): string => {
    const p = resolve(join(root, path));
    if (p !== root && !p.startsWith(root + sep)) throw new Error(`${path} is outside the run folder ${root}`);
    return p;
  };
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    origin: root,
    async bytes(path) {
      try {
        return new Uint8Array(await readFile(full(path)));
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async size(path) {
      try {
        return (await stat(full(path))).size;
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async range(path, start, end) {
      const handle = await open(full(path), 'r');
      try {
        const buffer = new Uint8Array(Math.max(0, end - start));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}
