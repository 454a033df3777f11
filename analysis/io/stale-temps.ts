import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Temp names of writeFileAtomic (`.NAME.PID.HEX.tmp`) and of the ONNX writer (`NAME.tmp-PID`). */
const TEMP = [/^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/, /\.tmp-(\d+)$/];

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** The pid a temp file name carries, or null when the name is not one of our temp files. */
export function tempFilePid(name: string): number | null {
  for (const pattern of TEMP) {
    const m = pattern.exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * Removes the temp files that writers killed mid-write left below `dir` (those whose process is
 * gone; a live writer's, e.g. a concurrent `acc-lens metrics`, are kept). Returns the removed paths,
 * relative to `dir`. Call it holding the run's lock. Example: `await removeStaleTemps('runs/x')`.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const pid = e.isFile() ? tempFilePid(e.name) : null;
    if (pid === null || pid === process.pid || running(pid)) continue;
    const path = join(e.parentPath, e.name);
    await rm(path, { force: true });
    removed.push(path.slice(dir.length + 1));
  }
  return removed.sort();
}
