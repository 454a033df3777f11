import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inShard } from '../../analysis/capture/shard.ts';
import { DEFAULT_PAIR_DIR } from '../../analysis/io/reference-pair.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-capture-run-'));
const probes = join(dir, 'probes.jsonl');
const CLI = ['bin/acc-lens.js'];
const models = [
  '--base',
  `${DEFAULT_PAIR_DIR}/base.fused.onnx`,
  '--tuned',
  `${DEFAULT_PAIR_DIR}/tuned.fused.onnx`,
  '--ep',
  'cpu',
  '--chunk-size',
  '256',
];
const capture = (out: string, ...extra: string[]) =>
  spawnSync('node', [...CLI, 'capture', ...models, '--probes', probes, '--out', out, ...extra], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });

/** Every file of a run (relative path → bytes), manifest aside. */
function files(run: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== 'manifest.json') out.set(relative(run, p), readFileSync(p));
    }
  };
  walk(run);
  return out;
}

/** The manifest without timestamps. */
function manifest(run: string): unknown {
  const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as {
    created_at?: string;
    units: Record<string, { finished_at?: string }>;
  };
  delete m.created_at;
  for (const u of Object.values(m.units)) delete u.finished_at;
  return m;
}

function expectSameRun(a: string, b: string): void {
  const fa = files(a),
    fb = files(b);
  expect([...fb.keys()].sort()).toEqual([...fa.keys()].sort());
  for (const [k, bytes] of fa) expect(Buffer.compare(bytes, fb.get(k)!), k).toBe(0);
  expect(manifest(b)).toEqual(manifest(a));
}

/** Starts a capture and SIGKILLs it after `ms`, or once `units` units have finished. */
function killed(out: string, at: { ms?: number; units?: number }): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('node', [...CLI, 'capture', ...models, '--probes', probes, '--out', out], {
      env: { ...process.env, CI: '1' },
    });
    let done = 0;
    child.stdout.on('data', (d: Buffer) => {
      done += (d.toString().match(/: done /g) ?? []).length;
      if (at.units !== undefined && done >= at.units) child.kill('SIGKILL');
    });
    if (at.ms !== undefined) setTimeout(() => child.kill('SIGKILL'), at.ms);
    child.on('exit', () => resolve());
  });
}

const whole = join(dir, 'whole');
beforeAll(() => {
  const gen = spawnSync(
    'node',
    [...CLI, 'probes', 'mrcr', '--n', '4', '--tokens', '1000', '--seed', '5', '--out', probes],
    { encoding: 'utf8' },
  );
  expect(gen.status, gen.stderr).toBe(0);
  const r = capture(whole);
  expect(r.status, r.stderr).toBe(0);
}, 120_000);

describe('acc-lens capture (child processes on the reference pair)', () => {
  it('writes every unit once: 2 models × 4 probes, each with its five tables', () => {
    const m = JSON.parse(readFileSync(join(whole, 'manifest.json'), 'utf8')) as {
      units: Record<string, { status: string; files: string[] }>;
    };
    expect(Object.keys(m.units)).toHaveLength(8);
    for (const u of Object.values(m.units)) {
      expect(u.status).toBe('done');
      expect(u.files.map((f) => f.split('/').pop())).toEqual([
        'answer_logprobs.arrow',
        'attention_distance.arrow',
        'attention_rows.arrow',
        'attention_segments.arrow',
        'routing.arrow',
      ]);
    }
  });

  it('a run SIGKILLed at several points and resumed equals the uninterrupted run', async () => {
    const out = join(dir, 'killed');
    await killed(out, { ms: 1500 }); // during setup (instrumenting / hashing)
    await killed(out, { units: 2 }); // after two units
    await killed(out, { ms: 4500 }); // mid-unit, wherever it is
    const manifestBefore = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { units: object };
    expect(Object.keys(manifestBefore.units).length).toBeLessThan(8);
    const r = capture(out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already done/);
    expectSameRun(whole, out);
  }, 150_000);

  it('--shard 0/2 and --shard 1/2 merged equal the unsharded run', () => {
    const ids = readFileSync(probes, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.filter((id) => inShard(id, { index: 0, count: 2 })).length).toBeGreaterThan(0);
    expect(ids.filter((id) => inShard(id, { index: 1, count: 2 })).length).toBeGreaterThan(0);
    for (const i of [0, 1]) expect(capture(join(dir, `shard${i}`), '--shard', `${i}/2`).status).toBe(0);
    const merged = join(dir, 'merged');
    const r = spawnSync(
      'node',
      [...CLI, 'capture', 'merge', join(dir, 'shard0'), join(dir, 'shard1'), '--out', merged],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expectSameRun(whole, merged);
  }, 300_000);

  it('--help teaches the plan, memory, resume and sharding', () => {
    const r = spawnSync('node', [...CLI, 'capture', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const word of ['attention_rows', 'top-64', 'Memory', 'Resume', '--shard i/n', 'merge'])
      expect(r.stdout).toContain(word);
  });
});
