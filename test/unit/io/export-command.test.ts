import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runInProcess } from '../../in-process-cli.ts';
import { describe, expect, it } from 'vitest';
import { RunWriter } from '../../../analysis/io/index.ts';
import { probeSet, runInit, tempDir, unitTables } from './fixtures.ts';

async function capturedOutput(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const r = await runInProcess(argv);
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('acc-lens export', () => {
  it('export RUN --parquet --json writes RUN/parquet/<table>.parquet and lists them', async () => {
    const dir = await tempDir();
    const run = await RunWriter.open(dir, runInit());
    await run.writeProbeSet(probeSet().probes, probeSet().segments);
    await run.writeUnit('base', 'mrcr/0001', unitTables(0));
    await run.close();
    const { status, out } = await capturedOutput(['export', dir, '--parquet', '--json']);
    expect(status).toBe(0);
    const listed = JSON.parse(out) as { files: { table: string; rows: number }[] };
    expect(listed.files.find((f) => f.table === 'routing')?.rows).toBe(96);
    expect(existsSync(join(dir, 'parquet', 'routing.parquet'))).toBe(true);
  });

  it('export without --parquet or on a non-run folder fails with a coded error', async () => {
    const dir = await tempDir();
    expect((await capturedOutput(['export', dir])).err).toContain('error[E_USAGE]');
    const missing = await capturedOutput(['export', dir, '--parquet']);
    expect(missing.status).toBe(3);
    expect(missing.err).toContain('error[E_FILE_NOT_FOUND]');
  });

  it('export --help teaches the flags', async () => {
    const { status, out } = await capturedOutput(['export', '--help']);
    expect(status).toBe(0);
    expect(out).toContain('--out DIR');
  });
});
