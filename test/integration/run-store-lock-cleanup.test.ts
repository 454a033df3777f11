import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../analysis/io/run-lock.ts';
import {
  buildSmallRun,
  captureArgs,
  cli,
  CLI,
  errorCode,
  inProcess,
  snapshot,
  type Models,
} from './run-store-fixture.ts';

// Issue 12, "no lock" and "leaks": kill -9 after instrumentation, two writers on one --out, stale
// locks and temp files, `instrument M --out M`. One run is captured once; the kill test writes another.
let dir = '';
let probes = '';
let run = '';
let models: Models = { base: '', tuned: '' };

beforeAll(() => {
  ({ dir, probes, run, models } = buildSmallRun('acc-lens-run-store-lock-'));
}, 300_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ready` every 100 ms (up to `ms`); true once it holds. */
async function until(ready: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (ready()) return true;
  return false;
}

function start(args: string[], env: Record<string, string> = {}): ChildProcess & { exited: Promise<number | null> } {
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, CI: '1', ...env }, stdio: 'ignore' });
  return Object.assign(child, { exited: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) });
}

/** Instrumented copies whose marker (written last) is in place. */
const markers = (out: string): string[] => {
  const root = join(out, '.acc-lens', 'instrumented');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((d) => existsSync(join(root, d, 'instrumented.json')));
};

/** What is in a $TMPDIR besides tsx's compile cache (tsx-UID/, the loader's, fixed size and reused). */
const leftIn = (tmp: string): string[] => readdirSync(tmp).filter((name) => !/^tsx-\d+$/.test(name));

/** A pid no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('node', ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('run store lock and cleanup (issue 12)', () => {
  it('kill -9 after instrumentation leaves nothing in $TMPDIR; the resume takes the stale lock over and reuses the instrumented copies', async () => {
    const out = join(dir, 'killed');
    const tmp = join(dir, 'tmpdir');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const child = start(captureArgs(models, probes, out), env);
    expect(await until(() => markers(out).length === 2, 240_000)).toBe(true);
    child.kill('SIGKILL');
    await child.exited;
    expect(leftIn(tmp)).toEqual([]);
    const lock = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(child.pid);
    const copies = markers(out).map((d) => statSync(join(out, '.acc-lens', 'instrumented', d, 'model.capture.onnx')));
    expect(copies).toHaveLength(2);
    const r = cli(captureArgs(models, probes, out), env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('base: instrumented copy reused');
    expect(r.stdout).toContain('tuned: instrumented copy reused');
    // Finished: the copies, the lock and every temp file are gone, in the run and in $TMPDIR.
    expect(leftIn(tmp)).toEqual([]);
    expect(existsSync(join(out, '.acc-lens', 'instrumented'))).toBe(false);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    expect([...snapshot(out).keys()].filter((f) => /tmp/.test(f))).toEqual([]);
    const v = await inProcess(['verify', out]);
    expect(v.status, v.stdout).toBe(0);
  }, 600_000);

  it('two captures into one --out: the second gets E_RUN_LOCKED naming the first, and changes nothing', async () => {
    const first = start(captureArgs(models, probes, run));
    try {
      expect(await until(() => existsSync(join(run, LOCK_FILE)), 60_000)).toBe(true);
      // Frozen while it holds the lock, the first writer is alive however slowly the second one starts.
      first.kill('SIGSTOP');
      const before = snapshot(run, { skipState: true });
      const second = cli(captureArgs(models, probes, run));
      expect(second.status).toBe(18);
      expect(errorCode(second.stderr)).toBe('E_RUN_LOCKED');
      expect(second.stderr).toContain(`pid ${first.pid}`);
      expect(second.stderr).toContain(LOCK_FILE);
      expect(snapshot(run, { skipState: true })).toEqual(before);
      // Readers take no lock: verify works meanwhile and says who writes.
      const v = await inProcess(['verify', run]);
      expect(v.status).toBe(0);
      expect(v.stdout).toContain(`pid ${first.pid}`);
    } finally {
      first.kill('SIGKILL');
      await first.exited;
    }
  }, 300_000);

  it('a stale lock (dead pid) is taken over; stale temp files of dead writers are removed, a live writer’s kept', async () => {
    const pid = await deadPid();
    const lockPath = join(run, LOCK_FILE);
    const host = hostname();
    writeFileSync(
      lockPath,
      JSON.stringify({
        pid,
        host,
        process_start: null,
        command: 'acc-lens capture',
        started_at: new Date().toISOString(),
        token: 'dead',
      }),
    );
    const live = spawn('sleep', ['60']);
    try {
      const unit = readdirSync(join(run, 'parts', 'base'))[0]!;
      const temps = {
        atomic: join(run, `.manifest.json.${pid}.0badc0de.tmp`),
        onnx: join(run, '.acc-lens', `model.capture.onnx.tmp-${pid}`),
        part: join(run, 'parts', 'base', unit, `.routing.arrow.${pid}.12345678.tmp`),
        live: join(run, `.segments.arrow.${live.pid}.abcdef01.tmp`),
      };
      for (const t of Object.values(temps)) writeFileSync(t, 'half a file');
      const look = await inProcess(['verify', run]);
      expect(look.stdout).toContain('temp file of an interrupted write');
      const r = await inProcess(['verify', run, '--repair', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { repaired: { temps_removed: string[] } };
      expect(report.repaired.temps_removed).toHaveLength(3);
      for (const t of [temps.atomic, temps.onnx, temps.part]) expect(existsSync(t)).toBe(false);
      expect(existsSync(temps.live)).toBe(true);
      expect(existsSync(lockPath)).toBe(false);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('a live lock from another host is E_RUN_LOCKED with the file to remove in the fix', async () => {
    const lockPath = join(run, LOCK_FILE);
    writeFileSync(
      lockPath,
      JSON.stringify({
        pid: 1,
        host: 'elsewhere.example',
        process_start: null,
        command: 'acc-lens capture',
        started_at: new Date().toISOString(),
        token: 'far',
      }),
    );
    const r = await inProcess(['verify', run, '--repair']);
    expect(errorCode(r.stderr)).toBe('E_RUN_LOCKED');
    expect(r.stderr).toContain('elsewhere.example');
    expect(r.stderr).toContain(`remove ${lockPath}`);
    expect(existsSync(lockPath)).toBe(true);
  });

  it('instrument M --out M is refused with E_USAGE and M is unchanged', async () => {
    const model = join(dir, 'own.onnx');
    copyFileSync(models.base, model);
    const hash = () => createHash('sha256').update(readFileSync(model)).digest('hex');
    const before = hash();
    const r = await inProcess(['instrument', model, '--out', model]);
    expect(errorCode(r.stderr)).toBe('E_USAGE');
    expect(r.stderr).toContain('overwrite');
    expect(hash()).toBe(before);
  });
});
