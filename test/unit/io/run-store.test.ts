import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ArrowFileHandle,
  listUnits,
  openRun,
  readArrowFile,
  readPart,
  readTable,
  RunWriter,
  safeName,
} from '../../../analysis/io/index.ts';
import { decodeTable, META, SCHEMA_VERSION, TABLES, UNIT_TABLE_NAMES } from '../../../analysis/schema/index.ts';
import { TOOL_VERSION } from '../../../analysis/version.ts';
import { PROBE_IDS, probeSet, runInit, tempDir, unitTables } from './fixtures.ts';
import { decodedRows, sortRows, toRows } from './rows.ts';

async function arrowFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith('.arrow')).map((e) => join(dir, e));
}

async function writeFullRun(dir: string): Promise<void> {
  const run = await RunWriter.open(dir, runInit());
  const { probes, segments } = probeSet();
  await run.writeProbeSet(probes, segments);
  for (const [i, probeId] of PROBE_IDS.entries()) {
    await run.writeUnit('base', probeId, unitTables(i));
    await run.writeUnit('tuned', probeId, unitTables(i + 10));
  }
  await run.close();
}

describe('RunWriter + reader', () => {
  it('writeUnit → readPart returns the rows written, for every per-unit table', async () => {
    const dir = await tempDir();
    await writeFullRun(dir);
    const run = await openRun(dir);
    for (const table of UNIT_TABLE_NAMES.filter((t) => t !== 'router_probs')) {
      const spec = TABLES[table];
      const back = decodedRows(
        spec,
        decodeTable(spec, await readPart(run, table, { model: 'tuned', probeId: 'graph walk 2' })),
      );
      const written = unitTables(11)[table] as unknown as Record<string, ArrayLike<unknown>>;
      expect(back, table).toEqual(sortRows(spec, toRows(spec, written, { model: 'tuned', probe_id: 'graph walk 2' })));
    }
  });

  it('writeProbeSet → readTable returns probes and segments with nulls and dictionaries intact', async () => {
    const dir = await tempDir();
    await writeFullRun(dir);
    const run = await openRun(dir);
    const { probes, segments } = probeSet();
    expect(decodedRows(TABLES.probes, decodeTable(TABLES.probes, await readTable(run, 'probes')))).toEqual(
      toRows(TABLES.probes, probes),
    );
    expect(decodedRows(TABLES.segments, decodeTable(TABLES.segments, await readTable(run, 'segments')))).toEqual(
      toRows(TABLES.segments, segments),
    );
    const some = decodeTable(TABLES.segments, await readTable(run, 'segments', { probeIds: ['mrcr/0001'] }));
    expect(some.probe_id).toEqual(['mrcr/0001', 'mrcr/0001']);
    expect(some.label).toEqual(['ev1', null]);
  });

  it('readTable concatenates parts, filtered by model and probe', async () => {
    const dir = await tempDir();
    await writeFullRun(dir);
    const run = await openRun(dir);
    const all = await readTable(run, 'routing');
    expect(all.numRows).toBe(PROBE_IDS.length * 2 * 3 * 16 * 2);
    const tuned = decodeTable(
      TABLES.routing,
      await readTable(run, 'routing', { models: ['tuned'], probeIds: ['acc_sql-3'] }),
    );
    expect(new Set(tuned.model as string[])).toEqual(new Set(['tuned']));
    expect(new Set(tuned.probe_id as string[])).toEqual(new Set(['acc_sql-3']));
    expect((await readTable(run, 'router_probs')).numRows).toBe(0);
  });

  it('every file carries the schema version and provenance in its schema metadata', async () => {
    const dir = await tempDir();
    await writeFullRun(dir);
    const files = await arrowFiles(dir);
    expect(files.length).toBe(2 + PROBE_IDS.length * 2 * 5);
    for (const file of files) {
      const meta = (await readArrowFile(file)).schema.metadata;
      expect(meta.get(META.schemaVersion), file).toBe(SCHEMA_VERSION);
      expect(meta.get(META.toolVersion)).toBe(TOOL_VERSION);
      expect(meta.get(META.tokenizer)).toBe('Qwen/Qwen3-30B-A3B');
      expect(meta.get(META.probeSetHash)).toBe('d'.repeat(64));
      expect(JSON.parse(meta.get(META.plan)!)).toEqual(runInit().plan);
      expect(Object.keys(JSON.parse(meta.get(META.modelSha256)!)).length).toBeGreaterThan(0);
    }
  });

  it("readPart({ layer }) reads that layer's record batch alone from a multi-layer part", async () => {
    const dir = await tempDir();
    const run = await RunWriter.open(dir, runInit());
    await run.writeUnit('base', 'p', { routing: unitTables(0, 8, 2048).routing! }, { nTokens: 2048 });
    await run.close();
    const path = join(dir, 'parts/base/p/routing.arrow');
    const file = await ArrowFileHandle.open(path);
    const layer5 = await file.readLayer(5);
    const { size } = await stat(path);
    expect(file.numBatches).toBe(8);
    expect(layer5.numRows).toBe(2048 * 2);
    expect(new Set(decodeTable(TABLES.routing, layer5).layer as Int16Array)).toEqual(new Set([5]));
    // One of 8 equal batches plus footer and dictionaries: well under a quarter of the file.
    expect(file.bytesRead).toBeLessThan(size / 4);
    await file.close();
    const viaApi = await readPart(await openRun(dir), 'routing', { model: 'base', probeId: 'p', layer: 5 });
    expect(viaApi.numRows).toBe(2048 * 2);
    expect((await readPart(await openRun(dir), 'routing', { model: 'base', probeId: 'p', layer: 99 })).numRows).toBe(0);
  });

  it('resume after a crash: a unit whose parts exist but the manifest does not list is redone', async () => {
    const dir = await tempDir();
    const first = await RunWriter.open(dir, runInit());
    await first.writeProbeSet(probeSet().probes, probeSet().segments);
    await first.writeUnit('base', 'mrcr/0001', unitTables(0));
    await first.close();
    // Simulated crash in the middle of the next unit: stale and half-written parts, no manifest entry.
    const staleDir = join(dir, 'parts/base', safeName('graph walk 2'));
    await mkdir(staleDir, { recursive: true });
    await writeFile(join(staleDir, 'routing.arrow'), 'half a file');
    await writeFile(join(staleDir, 'router_probs.arrow'), 'from an older attempt');

    const resumed = await RunWriter.open(dir, runInit());
    expect(resumed.isDone('base', 'mrcr/0001')).toBe(true);
    expect(resumed.isDone('base', 'graph walk 2')).toBe(false);
    await resumed.writeUnit('base', 'graph walk 2', { routing: unitTables(1).routing! });
    await resumed.close();
    expect((await readdir(staleDir)).sort()).toEqual(['routing.arrow']);
    const run = await openRun(dir);
    expect(listUnits(run).map((u) => u.probe_id)).toEqual(['graph walk 2', 'mrcr/0001']);
    expect((await readPart(run, 'routing', { model: 'base', probeId: 'graph walk 2' })).numRows).toBe(96);
    expect(run.manifest.units['base/graph walk 2']!.n_tokens).toBe(48);
  });

  it('open refuses to resume a run made from another model, probe set, plan or shard (E_CONFIG_INVALID naming the field)', async () => {
    const dir = await tempDir();
    await (await RunWriter.open(dir, runInit())).close();
    const tuned = { ...runInit().models.tuned!, sha256: 'e'.repeat(64) };
    await expect(RunWriter.open(dir, runInit({ models: { ...runInit().models, tuned } }))).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringContaining('models.tuned.sha256'),
    });
    await expect(
      RunWriter.open(dir, runInit({ probe_set: { ...runInit().probe_set, sha256: 'f'.repeat(64) } })),
    ).rejects.toMatchObject({ message: expect.stringContaining('probe_set.sha256') });
    await expect(RunWriter.open(dir, runInit({ plan: { top_k: 8 } }))).rejects.toMatchObject({
      message: expect.stringContaining('plan.layers differs (run has "all", now (absent))'),
    });
    await expect(RunWriter.open(dir, runInit({ shard: { index: 0, count: 2 } }))).rejects.toMatchObject({
      message: expect.stringContaining('shard differs'),
    });
    const moved = { ...runInit().models.base!, path: '/elsewhere/base.onnx' };
    await expect(
      RunWriter.open(dir, runInit({ models: { ...runInit().models, base: moved } })),
    ).resolves.toBeInstanceOf(RunWriter);
  });

  it('open validates its input with zod: a model name with a slash is E_CONFIG_INVALID', async () => {
    const dir = await tempDir();
    const models = { 'Qwen/Qwen3': runInit().models.base! };
    await expect(RunWriter.open(dir, runInit({ models }))).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringContaining('models'),
    });
  });

  it('skipUnit records the reason; readPart of a skipped unit is E_FILE_NOT_FOUND', async () => {
    const dir = await tempDir();
    const w = await RunWriter.open(dir, runInit());
    await w.skipUnit('tuned', 'x', 'probe longer than the model positions (40000 > 32768)', { nTokens: 40000 });
    await w.close();
    const run = await openRun(dir);
    expect(listUnits(run)).toMatchObject([
      { status: 'skipped', reason: expect.stringContaining('longer'), n_tokens: 40000, files: [] },
    ]);
    await expect(readPart(run, 'routing', { model: 'tuned', probeId: 'x' })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
  });

  it('probe ids with slashes, spaces or only differing in case get distinct safe folders, recorded in the manifest', async () => {
    const dir = await tempDir();
    await writeFullRun(dir);
    const run = await openRun(dir);
    const dirs = listUnits(run)
      .filter((u) => u.model === 'base')
      .map((u) => u.dir);
    expect(new Set(dirs.map((d) => d.toLowerCase())).size).toBe(PROBE_IDS.length);
    for (const d of dirs) expect(d).toMatch(/^parts\/base\/[a-z0-9._~-]+$/);
    expect(safeName('acc_sql-3')).toBe('acc_sql-3');
    const manifestText = await readFile(join(dir, 'manifest.json'), 'utf8');
    expect(manifestText).toContain('"dir": "parts/base/mrcr_0001~');
    const files = (await arrowFiles(dir)).map((f) => relative(dir, f));
    expect(files).toContain('probes.arrow');
  });
});
