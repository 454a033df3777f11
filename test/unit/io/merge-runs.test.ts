import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRuns, readManifest, RunWriter, type Manifest, type RunInit } from '../../../analysis/io/index.ts';
import { PROBE_IDS, probeSet, runInit, tempDir, unitTables } from './fixtures.ts';

/** Writes the units of `probeIds` (skipping the one the brief's "bad input" case would skip). */
async function capture(dir: string, init: RunInit, probeIds: readonly string[]): Promise<void> {
  const run = await RunWriter.open(dir, init);
  await run.writeProbeSet(probeSet().probes, probeSet().segments);
  for (const probeId of probeIds) {
    const i = PROBE_IDS.indexOf(probeId as (typeof PROBE_IDS)[number]);
    await run.writeUnit('base', probeId, unitTables(i));
    if (probeId === 'acc_sql-3') await run.skipUnit('tuned', probeId, 'too long');
    else await run.writeUnit('tuned', probeId, unitTables(i + 10));
  }
  await run.close();
}

async function tree(dir: string): Promise<Map<string, Buffer>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile() && e.name !== 'manifest.json',
  );
  const entries = await Promise.all(
    files.map(
      async (e) =>
        [join(e.parentPath, e.name).slice(dir.length + 1), await readFile(join(e.parentPath, e.name))] as const,
    ),
  );
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

const withoutTimes = (m: Manifest) => ({
  ...m,
  created_at: '',
  units: Object.fromEntries(Object.entries(m.units).map(([k, u]) => [k, { ...u, finished_at: '' }])),
});

describe('mergeRuns', () => {
  it('mergeRuns(shards) equals the unsharded run: byte-equal files, equal manifests modulo timestamps', async () => {
    const whole = await tempDir();
    await capture(whole, runInit(), PROBE_IDS);
    const shards = [await tempDir(), await tempDir(), await tempDir()];
    // Deterministic sharding by probe index; shard 2 finishes its units in reverse order.
    for (const [index, dir] of shards.entries()) {
      const mine = PROBE_IDS.filter((_, i) => i % shards.length === index);
      await capture(dir, runInit({ shard: { index, count: shards.length } }), index === 2 ? [...mine].reverse() : mine);
    }
    const out = join(await tempDir(), 'merged');
    await mergeRuns([shards[2]!, shards[0]!, shards[1]!], out);

    const [a, b] = [await tree(whole), await tree(out)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [path, bytes] of a) expect(b.get(path)!.equals(bytes), path).toBe(true);
    expect(withoutTimes(await readManifest(out))).toEqual(withoutTimes(await readManifest(whole)));
  });

  it('mergeRuns refuses incomplete or mismatched shard sets', async () => {
    const [s0, s1, s1b] = [await tempDir(), await tempDir(), await tempDir()];
    await capture(s0, runInit({ shard: { index: 0, count: 2 } }), ['mrcr/0001']);
    await capture(s1, runInit({ shard: { index: 1, count: 2 }, plan: { other: true } }), ['acc_sql-3']);
    await capture(s1b, runInit({ shard: { index: 1, count: 2 } }), ['acc_sql-3']);
    await expect(mergeRuns([s0], join(await tempDir(), 'm'))).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringContaining('shard(s) 1 of 2 missing'),
    });
    await expect(mergeRuns([s0, s1], join(await tempDir(), 'm'))).rejects.toMatchObject({
      message: expect.stringContaining('plan.layers differs'),
    });
    await expect(mergeRuns([s0, s1b, s1b], join(await tempDir(), 'm'))).rejects.toMatchObject({
      message: expect.stringContaining('given twice'),
    });
  });
});

describe('a failed merge', () => {
  it('removes every file and folder it copied into an existing --out folder, and leaves the shards as they were', async () => {
    const [s0, s1] = [await tempDir(), await tempDir()];
    await capture(s0, runInit({ shard: { index: 0, count: 2 } }), ['mrcr/0001']);
    await capture(s1, runInit({ shard: { index: 1, count: 2 } }), ['acc_sql-3']);
    // The second shard's part is damaged after its hash was recorded: merge copies shard 0 first, then fails.
    const m = await readManifest(s1);
    const damaged = join(s1, Object.values(m.units).find((u) => u.files.length > 0)!.files[0]!);
    const bytes = await readFile(damaged);
    await writeFile(damaged, bytes.subarray(0, bytes.byteLength - 8));
    const before = [await tree(s0), await tree(s1)];
    const out = await tempDir();
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(mergeRuns([s0, s1], out)).rejects.toMatchObject({ code: 'E_RUN_DAMAGED' });
    expect(await readdir(out, { recursive: true })).toEqual(['notes.txt']);
    expect([await tree(s0), await tree(s1)]).toEqual(before);
  });
});
