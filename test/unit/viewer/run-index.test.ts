import { copyFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunWriter } from '../../../analysis/io/index.ts';
import { nodeRunFiles } from '../../../analysis/io/node-run-files.ts';
import { META } from '../../../analysis/schema/metadata.ts';
import { loadRunIndex, hasTokenTable } from '../../../viewer/src/data/run-index.ts';
import { BatchedCache, loadProbeTokens } from '../../../viewer/src/data/probe-data.ts';
import { RunDataError } from '../../../viewer/src/data/run-files.ts';
import { PROBE_IDS, probeSet, probeTokens, runInit, tempDir, unitTables } from '../io/fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('acc-lens-viewer-index-');
  const w = await RunWriter.open(dir, runInit());
  await w.writeProbeSet(probeSet().probes, probeSet().segments, probeTokens());
  for (const [i, id] of PROBE_IDS.entries()) await w.writeUnit('base', id, unitTables(i));
  await w.close();
});

async function copyRun(): Promise<string> {
  const to = await tempDir('acc-lens-viewer-damaged-');
  for (const f of ['manifest.json', 'probes.arrow', 'segments.arrow', 'tokens.arrow'])
    await copyFile(join(dir, f), join(to, f));
  return to;
}

const failure = async (run: string) => {
  try {
    await loadRunIndex(nodeRunFiles(run));
  } catch (error) {
    return error as RunDataError;
  }
  throw new Error('loadRunIndex did not fail');
};

describe('loadRunIndex', () => {
  it('opens a run without metrics: probes and segments decoded, a notice naming `acc-lens metrics RUN`', async () => {
    const index = await loadRunIndex(nodeRunFiles(dir));
    expect(index.probes.probe_id).toEqual([...PROBE_IDS]);
    expect(index.summary).toBeNull();
    expect(index.pair).toEqual({ base: 'base', tuned: 'tuned' });
    expect(index.notices).toEqual([
      { what: expect.stringMatching(/no metrics/), fix: expect.stringMatching(/acc-lens metrics RUN/) },
    ]);
  });

  it('a folder without manifest.json is named as not a run, with the fix', async () => {
    const e = await failure(await tempDir());
    expect(e).toBeInstanceOf(RunDataError);
    expect([e.file, e.fix]).toEqual(['manifest.json', expect.stringMatching(/acc-lens capture/)]);
  });

  it('a manifest field of the wrong type names the field', async () => {
    const run = await copyRun();
    const m = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8'));
    m.probe_set.n_probes = 'four';
    await writeFile(join(run, 'manifest.json'), JSON.stringify(m));
    expect((await failure(run)).message).toMatch(/field "probe_set\.n_probes"/);
  });

  it('a truncated probes.arrow is named as unreadable', async () => {
    const run = await copyRun();
    await truncate(join(run, 'probes.arrow'), 100);
    const e = await failure(run);
    expect(e.file).toBe('probes.arrow');
    expect(e.message).toMatch(/not a readable Arrow IPC file/);
  });

  it('a file of another major schema version is refused, naming both versions', async () => {
    const run = await copyRun();
    const table = tableFromIPC(await readFile(join(run, 'segments.arrow')));
    table.schema.metadata.set(META.schemaVersion, '2.0.0');
    await writeFile(join(run, 'segments.arrow'), tableToIPC(table, 'file'));
    const e = await failure(run);
    expect(e.file).toBe('segments.arrow');
    expect(e.message).toMatch(/schema version 2\.0\.0 does not match this viewer's 1\./);
  });

  it('an invalid metrics/summary.json names the field and the fix', async () => {
    const run = await copyRun();
    await mkdir(join(run, 'metrics'));
    await writeFile(join(run, 'metrics', 'summary.json'), JSON.stringify({ schema: 'acc-lens/metrics-summary@1' }));
    const e = await failure(run);
    expect(e.file).toBe('metrics/summary.json');
    expect(e.fix).toMatch(/acc-lens metrics RUN/);
  });
});

describe('loadProbeTokens', () => {
  it('reads one probe batch of tokens.arrow; runs before schema 1.1 have none', async () => {
    const tokens = await loadProbeTokens(new BatchedCache(nodeRunFiles(dir)), PROBE_IDS[2]);
    expect(Array.from(tokens!.ids)).toEqual([200, 201, 202, 203]);
    expect(tokens!.text).toEqual(['t0', 't1', 't2', 't3']);
    expect([hasTokenTable('1.0.0'), hasTokenTable('1.1.0'), hasTokenTable('2.0.0')]).toEqual([false, true, true]);
  });
});
