import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunWriter } from '../../../analysis/io/index.ts';
import { verifyRun } from '../../../analysis/io/repair-run.ts';
import { probeSet, runInit, tempDir, unitTables } from './fixtures.ts';

async function smallRun(): Promise<string> {
  const dir = await tempDir();
  const run = await RunWriter.open(dir, runInit());
  await run.writeProbeSet(probeSet().probes, probeSet().segments); // no tokens.arrow, as before schema 1.1.0
  await run.writeUnit('base', 'mrcr/0001', unitTables(0));
  await run.close();
  return dir;
}

describe('verifyRun', () => {
  it('verifyRun(run) of a run written without tokens.arrow is sound, tokens.arrow reported absent', async () => {
    const report = await verifyRun(await smallRun());
    expect(report.ok).toBe(true);
    expect(report.run_files.find((f) => f.file === 'tokens.arrow')?.status).toBe('absent');
    expect(report.hashes).toBe('all');
  });

  it('verifyRun(run) with probes.arrow gone while units are done reports it missing', async () => {
    const dir = await smallRun();
    await rm(join(dir, 'probes.arrow'));
    const report = await verifyRun(dir);
    expect(report.ok).toBe(false);
    expect(report.run_files.find((f) => f.file === 'probes.arrow')?.status).toBe('missing');
    expect(report.damaged.run_files).toEqual(['probes.arrow']);
  });
});
