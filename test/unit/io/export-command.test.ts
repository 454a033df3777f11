import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../analysis/cli/main.ts';
import { RunWriter } from '../../../analysis/io/index.ts';
import { probeSet, runInit, tempDir, unitTables } from './fixtures.ts';

async function capturedOutput(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const status = await main(argv);
    return {
      status,
      out: out.mock.calls.map((c) => String(c[0])).join(''),
      err: err.mock.calls.map((c) => String(c[0])).join(''),
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
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
