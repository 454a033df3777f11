import { createServer } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInProcess } from '../../in-process-cli.ts';
import { describe, expect, it, vi } from 'vitest';
import { serveRun } from '../../../analysis/cli/commands/view.ts';
import { servedFolders, tempDir } from './fixtures.ts';

async function cli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const r = await runInProcess(argv);
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** A port held by another listener on 127.0.0.1, released by the returned function. */
async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

describe('acc-lens view', () => {
  it('view --help exits 0 and teaches the views and flags', async () => {
    const { status, out } = await cli(['view', '--help']);
    expect(status).toBe(0);
    for (const text of ['Overview', 'Attention', 'Experts', 'Probes', '--port N', '--no-open', '--host H'])
      expect(out).toContain(text);
  });

  it('a folder without manifest.json → E_FILE_NOT_FOUND (exit 3) naming the folder', async () => {
    const dir = await tempDir();
    const { status, err } = await cli(['view', dir, '--no-open', '--port', '0']);
    expect(status).toBe(3);
    expect(err).toContain('error[E_FILE_NOT_FOUND]');
    expect(err).toContain(`${dir} is not a run: manifest.json is missing`);
  });

  it('a missing RUN → E_FILE_NOT_FOUND; a file as RUN → E_USAGE', async () => {
    const dir = await tempDir();
    expect((await cli(['view', join(dir, 'nope'), '--no-open'])).err).toContain('error[E_FILE_NOT_FOUND]');
    await writeFile(join(dir, 'file.json'), '{}');
    const file = await cli(['view', join(dir, 'file.json'), '--no-open']);
    expect(file.status).toBe(2);
    expect(file.err).toContain('is not a folder');
  });

  it('no RUN, two RUNs, a bad --port or an unknown flag → E_USAGE (exit 2)', async () => {
    const { run } = await servedFolders();
    for (const argv of [[], [run, run], [run, '--port', '70000'], [run, '--port', 'x'], [run, '--watch']]) {
      const { status, err } = await cli(['view', ...argv]);
      expect(status, argv.join(' ')).toBe(2);
      expect(err).toContain('error[E_USAGE]');
    }
  });

  it('a taken port → E_PORT_UNAVAILABLE (exit 12) naming the port and --port', async () => {
    const { run } = await servedFolders();
    const held = await takenPort();
    try {
      const { status, err } = await cli(['view', run, '--no-open', '--port', String(held.port)]);
      expect(status).toBe(12);
      expect(err).toContain('error[E_PORT_UNAVAILABLE]');
      expect(err).toContain(`port ${held.port}`);
      expect(err).toContain('--port');
    } finally {
      await held.release();
    }
  });

  it('serveRun serves the run, prints the URL, and stops when asked (as on Ctrl-C)', async () => {
    const { run, assets } = await servedFolders();
    await mkdir(join(run, 'metrics'));
    await writeFile(join(run, 'metrics', 'summary.json'), '{"probes":{"n":2}}');
    const lines: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    let built = 0;
    const serving = serveRun({
      runDir: run,
      port: 0,
      open: false,
      say: (line) => lines.push(line),
      until,
      assetsDir: assets,
      buildAssets: async () => void built++,
    });
    await vi.waitFor(() => expect(lines.join('\n')).toMatch(/http:\/\/127\.0\.0\.1:\d+\//));
    const address = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(lines.join('\n'))?.[1] ?? '';
    expect(await (await fetch(`${address}run/metrics/summary.json`)).json()).toEqual({ probes: { n: 2 } });
    expect(await (await fetch(address)).text()).toContain('<title>viewer</title>');
    expect(built).toBe(1);
    stop();
    await serving;
    expect(lines.at(-1)).toBe('Viewer stopped.');
    await expect(fetch(address)).rejects.toThrow();
  });
});
