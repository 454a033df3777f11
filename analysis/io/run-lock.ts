import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { ensureDir, writeFailure } from './atomic-write.ts';
import { STATE_DIR } from './manifest.ts';

export const LOCK_FILE = `${STATE_DIR}/lock`;

const LockSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** Start time of the process (Linux: /proc/PID/stat field 22), so a reused pid is not taken for the holder. */
  process_start: z.string().nullable(),
  command: z.string(),
  started_at: z.string(),
  token: z.string(),
});
type LockInfo = z.infer<typeof LockSchema>;

/** A held lock on a run folder; `release()` removes the lock file if it is still this one. */
export interface RunLock {
  dir: string;
  release(): Promise<void>;
}

/** Locks held by this process, by real run folder → token (a second writer in one process is refused too). */
const held = new Map<string, string>();

function processStart(pid: number): string | null {
  try {
    // Field 22 counts from after the command name, which may itself hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(info.pid);
  return info.process_start === null || start === null || start === info.process_start;
}

/** Why the lock at `path` is held, or null when it is stale (its process is gone) and may be taken over. */
function holder(info: LockInfo | null, path: string): string | null {
  if (info === null) return null; // unreadable: a writer killed while writing the lock itself
  const since = `since ${info.started_at}`;
  if (info.host !== hostname())
    return `${info.command} (pid ${info.pid} on host ${info.host}, ${since}) holds ${path}; from this host acc-lens cannot tell whether it still runs`;
  if (info.pid === process.pid) return held.has(info.token) ? `this process already writes it (${since})` : null;
  return alive(info) ? `${info.command} (pid ${info.pid} on ${info.host}, ${since}) is writing it` : null;
}

async function readLock(path: string): Promise<LockInfo | null | 'missing'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw writeFailure(error, path);
  }
  try {
    return LockSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/**
 * Takes the write lock of a run folder (`RUN/.acc-lens/lock`, created exclusively, holding pid, host
 * and process start time). A lock whose process is gone on this host is stale and taken over;
 * a live one, or one from another host, is E_RUN_LOCKED with the fix. Readers take no lock.
 * Example: `const lock = await lockRun('runs/x', 'acc-lens capture'); try { … } finally { await lock.release(); }`.
 */
export async function lockRun(runDir: string, command: string): Promise<RunLock> {
  await ensureDir(join(runDir, STATE_DIR));
  const path = join(runDir, LOCK_FILE);
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    process_start: processStart(process.pid),
    command,
    started_at: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      held.set(mine.token, resolve(runDir));
      return { dir: runDir, release: () => releaseLock(path, mine.token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(error, path);
    }
    const info = await readLock(path);
    if (info === 'missing') continue;
    if (info === null && attempt === 0) {
      // Unreadable: perhaps another writer is between creating and filling it. Look again shortly.
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const why = holder(info, path);
    if (why !== null)
      throw new AccLensError(
        'E_RUN_LOCKED',
        `${runDir} is locked: ${why}`,
        `Wait for it to finish or stop it; if no acc-lens command is writing ${runDir}, remove ${path}.`,
      );
    await takeOver(path, info);
  }
  throw new AccLensError(
    'E_RUN_LOCKED',
    `${runDir}: another command keeps taking ${path}`,
    `Remove ${path} once none runs.`,
  );
}

/** Moves a stale lock aside; only one of several racing writers succeeds, the others see it gone. */
async function takeOver(path: string, stale: LockInfo | null): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeFailure(error, path);
  }
  const moved = await readLock(aside);
  // Someone replaced the stale lock between our read and the rename: put theirs back.
  if (moved !== 'missing' && moved !== null && stale !== null && moved.token !== stale.token)
    await rename(aside, path).catch(() => undefined);
  else await rm(aside, { force: true });
}

async function releaseLock(path: string, token: string): Promise<void> {
  held.delete(token);
  const info = await readLock(path).catch(() => null);
  if (info !== null && info !== 'missing' && info.token === token) await rm(path, { force: true });
}

/** Who holds the run's write lock, or null when nobody (or only a stale lock) does; for reports. */
export async function lockHolder(runDir: string): Promise<string | null> {
  const path = join(runDir, LOCK_FILE);
  const info = await readLock(path).catch(() => null);
  if (info === 'missing' || info === null) return null;
  return holder(info, path);
}
