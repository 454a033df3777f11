import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inShard } from '../../analysis/capture/shard.ts';
import {
  buildSmallRun,
  captureArgs,
  cli,
  copyRun,
  errorCode,
  expectSameRun,
  inProcess,
  readManifestJson,
  snapshot,
  truncate,
  writeManifestJson,
  zero,
  type Models,
} from './run-store-fixture.ts';

// Issue 12, "silent loss", "silent mixing", "resume trusts the manifest": damage a copy of one small
// run, check that every reader stops with a coded error naming the file and changes nothing, then
// that `verify --repair` + the same capture command gives back the undamaged run byte for byte.
let dir = '';
let probes = '';
let whole = '';
let models: Models = { base: '', tuned: '' };
const units = { a: '', b: '' }; // the two probes' folders under parts/base/
const METRICS = ['--resamples', '20', '--permutations', '20', '--json'];

beforeAll(() => {
  ({ dir, probes, run: whole, models } = buildSmallRun('acc-lens-run-store-damage-'));
  const names = readdirSync(join(whole, 'parts', 'base')).sort();
  expect(names).toHaveLength(2);
  [units.a, units.b] = names as [string, string];
}, 300_000);

const part = (run: string, model: string, unit: string, table: string): string =>
  join(run, 'parts', model, unit, `${table}.arrow`);

/** Runs a reader in-process on a damaged copy: the coded error, and no file of the copy changed. */
async function expectReaderFails(run: string, argv: string[], code: string, names: string): Promise<string> {
  const before = snapshot(run);
  const r = await inProcess(argv);
  expect(errorCode(r.stderr), r.stderr).toBe(code);
  expect(r.stderr).toContain(names);
  expect(r.stderr).not.toContain('E_INTERNAL');
  expect(snapshot(run)).toEqual(before);
  return r.stderr;
}

describe('run store damage (issue 12) on a captured reference-pair run', () => {
  it('a zeroed segments.arrow: export --parquet is E_RUN_DAMAGED naming it and writes no Parquet file', async () => {
    const run = copyRun(whole, dir);
    zero(join(run, 'segments.arrow'));
    const err = await expectReaderFails(run, ['export', run, '--parquet'], 'E_RUN_DAMAGED', 'segments.arrow');
    expect(err).toContain('verify');
    expect(existsSync(join(run, 'parquet'))).toBe(false);
  });

  it('a zeroed part file: export and metrics are E_RUN_DAMAGED naming it (no rows silently dropped)', async () => {
    const run = copyRun(whole, dir);
    zero(part(run, 'tuned', units.a, 'routing'));
    const name = `parts/tuned/${units.a}/routing.arrow`;
    await expectReaderFails(run, ['export', run, '--parquet'], 'E_RUN_DAMAGED', name);
    await expectReaderFails(run, ['metrics', run, ...METRICS], 'E_RUN_DAMAGED', name);
    expect(existsSync(join(run, 'parquet'))).toBe(false);
    expect(existsSync(join(run, 'metrics'))).toBe(false);
  });

  it("another unit's valid part copied in: metrics is E_RUN_DAMAGED, with hashes and (a run before 1.2.0) without", async () => {
    const run = copyRun(whole, dir);
    const victim = part(run, 'base', units.b, 'attention_segments');
    copyFileSync(part(run, 'base', units.a, 'attention_segments'), victim);
    await expectReaderFails(run, ['metrics', run, ...METRICS], 'E_RUN_DAMAGED', `parts/base/${units.b}`);
    // Without recorded hashes the part's own rows give it away: its probe_id is not the unit's.
    const m = readManifestJson(run);
    for (const u of Object.values(m.units)) delete u.hashes;
    delete m.run_files;
    m.schema_version = '1.1.0';
    writeManifestJson(run, m);
    const err = await expectReaderFails(run, ['metrics', run, ...METRICS], 'E_RUN_DAMAGED', 'attention_segments');
    expect(err).toMatch(/probe_id|does not belong/);
    // A part of the other model copied in: its model sha256 (provenance) is not the unit's model's.
    copyFileSync(part(whole, 'base', units.b, 'attention_segments'), victim);
    copyFileSync(part(run, 'tuned', units.a, 'routing'), part(run, 'base', units.a, 'routing'));
    const other = await expectReaderFails(run, ['export', run, '--parquet'], 'E_RUN_DAMAGED', 'does not belong');
    expect(other).toContain(`parts/base/${units.a}/routing.arrow`);
    expect(other).toContain('model sha256');
  });

  it('a part file of random bytes or one flipped bit: coded E_RUN_DAMAGED, never E_INTERNAL', async () => {
    const run = copyRun(whole, dir);
    const file = part(run, 'tuned', units.b, 'attention_distance');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.byteLength / 2)]! ^= 0x10;
    writeFileSync(file, bytes);
    const err = await expectReaderFails(run, ['metrics', run, ...METRICS], 'E_RUN_DAMAGED', 'attention_distance');
    expect(err).toContain('altered in place');
    // Same without hashes: arrow-js must not be the one to report it.
    const m = readManifestJson(run);
    for (const u of Object.values(m.units)) delete u.hashes;
    writeManifestJson(run, m);
    writeFileSync(file, Buffer.alloc(bytes.byteLength, 0x5a));
    await expectReaderFails(run, ['export', run, '--parquet'], 'E_RUN_DAMAGED', 'not a readable Arrow IPC file');
  });

  it('capture merge with a truncated shard part: E_RUN_DAMAGED naming it, shards unchanged, no merged run', async () => {
    // Two shards made from the whole run by their manifests (the files are those a sharded capture writes).
    const shards = [0, 1].map((index) => {
      const s = copyRun(whole, dir, `shard${index}`);
      const m = readManifestJson(s);
      m.shard = { index, count: 2 };
      for (const [key, u] of Object.entries(m.units))
        if (!inShard(u.probe_id, { index, count: 2 })) {
          delete m.units[key];
          rmSync(join(s, u.dir), { recursive: true, force: true });
        }
      writeManifestJson(s, m);
      return s;
    });
    const sound = await inProcess(['capture', 'merge', ...shards, '--out', join(dir, 'merged-ok')]);
    expect(sound.status, sound.stderr).toBe(0);
    expectSameRun(whole, join(dir, 'merged-ok'));
    const withUnits = shards.find((s) => Object.keys(readManifestJson(s).units).length > 0)!;
    const unit = Object.values(readManifestJson(withUnits).units)[0]!;
    truncate(join(withUnits, unit.files[0]!));
    const before = shards.map((s) => snapshot(s));
    const out = join(dir, 'merged-bad');
    const r = await inProcess(['capture', 'merge', ...shards, '--out', out]);
    expect(errorCode(r.stderr), r.stderr).toBe('E_RUN_DAMAGED');
    expect(r.stderr).toContain(unit.files[0]!);
    expect(shards.map((s) => snapshot(s))).toEqual(before);
    // Nothing of the failed merge is left: the units copied before the damaged one went with the folder.
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated part of a finished unit: the resumed capture redoes that unit only, and the run equals the undamaged one', () => {
    const run = copyRun(whole, dir);
    truncate(part(run, 'base', units.a, 'attention_rows'));
    const r = cli(captureArgs(models, probes, run));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`base/`);
    expect(r.stdout).toMatch(/redone, its kept files failed the check/);
    expect(r.stdout).toMatch(/1 units captured, 3 already done/);
    expectSameRun(whole, run);
  }, 300_000);

  it('truncated probes.arrow, half-written manifest, zeroed segments and parts: verify says what, --repair + capture restores the run', async () => {
    const run = copyRun(whole, dir);
    truncate(join(run, 'probes.arrow'));
    zero(join(run, 'segments.arrow'));
    zero(part(run, 'tuned', units.a, 'routing'));
    copyFileSync(part(run, 'base', units.a, 'attention_segments'), part(run, 'base', units.b, 'attention_segments'));
    const text = readFileSync(join(run, 'manifest.json'), 'utf8');
    writeFileSync(join(run, 'manifest.json'), text.slice(0, Math.floor(text.length / 2)));
    // Stuck no more: every reader says what is wrong and what to do.
    const before = snapshot(run);
    for (const argv of [['metrics', run, ...METRICS], ['export', run, '--parquet'], captureArgs(models, probes, run)]) {
      const r = argv[0] === 'capture' ? cli(argv) : await inProcess(argv);
      expect(errorCode(r.stderr), r.stderr).toBe('E_RUN_DAMAGED');
      expect(r.stderr).toContain('manifest.json');
      expect(r.stderr).toContain('acc-lens verify RUN --repair');
    }
    expect(snapshot(run)).toEqual(before);
    const look = await inProcess(['verify', run]);
    expect(errorCode(look.stderr)).toBe('E_RUN_DAMAGED');
    expect(look.stdout).toContain('manifest damaged');
    expect(look.stdout).toContain('not valid JSON');
    expect(snapshot(run)).toEqual(before);
    const repair = await inProcess(['verify', run, '--repair', '--json']);
    expect(repair.status, repair.stderr).toBe(0);
    const report = JSON.parse(repair.stdout) as {
      manifest: { status: string };
      damaged: { units: string[]; run_files: string[] };
    };
    expect(report.manifest.status).toBe('restored');
    expect(report.damaged.run_files.sort()).toEqual(['probes.arrow', 'segments.arrow']);
    expect(report.damaged.units.sort()).toEqual([`base/${units.b}`, `tuned/${units.a}`]); // probe ids are their folder names
    // The damaged files were moved aside, not deleted.
    expect(existsSync(join(run, '.acc-lens', 'damaged', 'probes.arrow'))).toBe(true);
    expect(existsSync(join(run, '.acc-lens', 'damaged', 'manifest.json'))).toBe(true);
    const r = cli(captureArgs(models, probes, run));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 units captured, 2 already done/);
    expectSameRun(whole, run);
    expect((await inProcess(['verify', run])).status).toBe(0);
  }, 300_000);
});
