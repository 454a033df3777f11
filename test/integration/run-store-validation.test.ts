import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildSmallRun,
  captureArgs,
  cli,
  CLI,
  copyRun,
  errorCode,
  inProcess,
  readManifestJson,
  snapshot,
  writeManifestJson,
  type CliResult,
  type Models,
} from './run-store-fixture.ts';

// Issue 12, "uncoded errors", "bounds" and "errors that hide the cause": every input a user can get
// wrong is a coded error naming the field or file, found before work starts. (A probe over a per-probe
// limit being skipped with its reason is test/integration/capture-nocache.test.ts.)
let dir = '';
let probes = '';
let whole = '';
let models: Models = { base: '', tuned: '' };
const METRICS = ['--resamples', '20', '--permutations', '20'];

beforeAll(() => {
  ({ dir, probes, run: whole, models } = buildSmallRun('acc-lens-run-store-validation-'));
}, 300_000);

/** Whether this machine lets an unprivileged user namespace mount a read-only tmpfs (Linux with unshare). */
const canMountReadOnly = (): boolean =>
  spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs /mnt'], { encoding: 'utf8' }).status === 0;

const expectCoded = (r: CliResult, code: string): void => {
  expect(errorCode(r.stderr), r.stderr).toBe(code);
  expect(r.stderr).not.toContain('E_INTERNAL');
};

describe('run store validation (issue 12)', () => {
  it('metrics, export and verify on a file instead of a run folder: E_USAGE saying so', async () => {
    const file = join(whole, 'probes.arrow');
    for (const argv of [
      ['metrics', file],
      ['export', file, '--parquet'],
      ['verify', file],
    ]) {
      const r = await inProcess(argv);
      expectCoded(r, 'E_USAGE');
      expect(r.stderr).toContain('is a file, not a run folder');
    }
  });

  it('probes import DIR: E_USAGE naming the folder', async () => {
    const r = await inProcess(['probes', 'import', dir, '--out', join(dir, 'imported.jsonl')]);
    expectCoded(r, 'E_USAGE');
    expect(r.stderr).toContain(dir);
    expect(existsSync(join(dir, 'imported.jsonl'))).toBe(false);
  });

  it('--out under a file: capture and export are E_WRITE_FAILED, nothing is left behind', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const c = cli(captureArgs(models, probes, join(file, 'run')));
    expectCoded(c, 'E_WRITE_FAILED');
    const e = await inProcess(['export', whole, '--parquet', '--out', join(file, 'parquet')]);
    expectCoded(e, 'E_WRITE_FAILED');
    expect(readFileSync(file, 'utf8')).toBe('x');
  }, 120_000);

  it.runIf(canMountReadOnly())(
    '--out under a read-only mount: capture is E_WRITE_FAILED, not ENOENT mkdir',
    () => {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      const args = captureArgs(models, probes, join(ro, 'sub', 'run'))
        .map((a) => `'${a}'`)
        .join(' ');
      const r = spawnSync(
        'unshare',
        ['-rm', 'sh', '-c', `mount -t tmpfs -o ro tmpfs '${ro}' && exec node ${CLI} ${args}`],
        { encoding: 'utf8', env: { ...process.env, CI: '1' } },
      );
      expect(errorCode(r.stderr), r.stderr).toBe('E_WRITE_FAILED');
      expect(r.stderr).toContain(join(ro, 'sub'));
    },
    120_000,
  );

  it('schema_version "2.0.0" or "banana": metrics, export, verify and a resumed capture are E_SCHEMA_VERSION', async () => {
    for (const version of ['2.0.0', 'banana']) {
      const run = copyRun(whole, dir);
      const m = readManifestJson(run);
      m.schema_version = version;
      writeManifestJson(run, m);
      const before = snapshot(run);
      for (const argv of [
        ['metrics', run, ...METRICS],
        ['export', run, '--parquet'],
        ['verify', run],
      ]) {
        const r = await inProcess(argv);
        expectCoded(r, 'E_SCHEMA_VERSION');
        expect(r.stderr).toContain(version);
      }
      const c = cli(captureArgs(models, probes, run));
      expectCoded(c, 'E_SCHEMA_VERSION');
      expect(snapshot(run)).toEqual(before);
    }
  }, 180_000);

  it('a part file whose own schema version is another major: E_SCHEMA_VERSION naming the file', async () => {
    const run = copyRun(whole, dir);
    const m = readManifestJson(run);
    const unit = Object.values(m.units)[0]!;
    const file = unit.files.find((f) => f.endsWith('/routing.arrow'))!;
    const bytes = readFileSync(join(run, file));
    // Same length, so only the version text changes: 1.2.0 → 9.2.0 in the schema metadata.
    const at = bytes.indexOf(Buffer.from('1.2.0'));
    expect(at).toBeGreaterThan(0);
    bytes.write('9', at);
    writeFileSync(join(run, file), bytes);
    for (const u of Object.values(m.units)) delete u.hashes;
    writeManifestJson(run, m);
    const r = await inProcess(['metrics', run, ...METRICS]);
    expectCoded(r, 'E_SCHEMA_VERSION');
    expect(r.stderr).toContain(file);
  });

  it('units[…].files pointing at ../../x: E_RUN_DAMAGED naming the field', async () => {
    const run = copyRun(whole, dir);
    writeFileSync(join(dir, 'x'), 'outside the run');
    const m = readManifestJson(run);
    const unit = Object.values(m.units)[0]!;
    unit.files[0] = '../../x';
    writeManifestJson(run, m);
    for (const argv of [
      ['metrics', run, ...METRICS],
      ['export', run, '--parquet'],
      ['verify', run],
    ]) {
      const r = await inProcess(argv);
      expectCoded(r, 'E_RUN_DAMAGED');
      // verify prints its report (naming the field) on stdout and the coded error on stderr.
      expect(r.stdout + r.stderr).toContain('.files.0": expected a path inside the run folder');
    }
  });

  it('a manifest field of the wrong type: the error names the field', async () => {
    const run = copyRun(whole, dir);
    const m = readManifestJson(run);
    const key = Object.keys(m.units)[0]!;
    (m.units[key] as unknown as { n_tokens: unknown }).n_tokens = 'many';
    writeManifestJson(run, m);
    const r = await inProcess(['metrics', run, ...METRICS]);
    expectCoded(r, 'E_RUN_DAMAGED');
    expect(r.stderr).toContain(`field "units.${key}.n_tokens"`);
  });

  it('a probe line with a field of the wrong type: E_JSONL_INVALID naming the line and the field', async () => {
    const bad = join(dir, 'bad-probes.jsonl');
    const [first, ...rest] = readFileSync(probes, 'utf8').trim().split('\n');
    const probe = JSON.parse(rest[0]!) as { segments: { end: unknown }[] };
    probe.segments[0]!.end = 'twelve';
    writeFileSync(bad, `${first}\n${JSON.stringify(probe)}\n`);
    const r = await inProcess(['probes', 'inspect', bad]);
    expectCoded(r, 'E_JSONL_INVALID');
    expect(r.stderr).toContain(':2');
    expect(r.stderr).toContain('segments.0.end');
  });

  it('a resumed capture with another plan: E_CONFIG_INVALID naming the differing plan key, before any model work', () => {
    const run = copyRun(whole, dir);
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ rows: { k: 32 } }));
    const before = snapshot(run);
    const r = cli([...captureArgs(models, probes, run), '--plan', plan]);
    expectCoded(r, 'E_CONFIG_INVALID');
    expect(r.stderr).toContain('plan.rows.k differs (run has 64, now 32)');
    expect(snapshot(run)).toEqual(before); // no instrumented copies left in .acc-lens/
  }, 120_000);

  it('a bad --tuned model is found before any base unit runs, and the error names the user’s file', () => {
    const broken = join(dir, 'broken-tuned.onnx');
    writeFileSync(broken, readFileSync(models.tuned).subarray(0, 1 << 20));
    const out = join(dir, 'bad-tuned');
    const r = cli([
      'capture',
      '--base',
      models.base,
      '--tuned',
      broken,
      '--ep',
      'cpu',
      '--probes',
      probes,
      '--out',
      out,
    ]);
    expect(['E_ONNX_INVALID', 'E_ONNX_CONTRACT']).toContain(errorCode(r.stderr));
    expect(r.stderr).toContain(broken);
    expect(r.stderr).not.toMatch(/\.acc-lens\/instrumented\/[^ ]*\.onnx(?! \()/);
    expect(r.stdout).not.toContain(': done');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  }, 180_000);
});
