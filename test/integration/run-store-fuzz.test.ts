import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../analysis/stats/rng.ts';
import { buildSmallRun, copyRun, inProcess, snapshot, type CliResult } from './run-store-fixture.ts';

// Issue 12, "done when": a bounded fuzz over copies of a small run. Every mutation (truncation, a
// zeroed range, bit flips, two files swapped) is applied to one working copy and undone afterwards;
// verify, metrics and export (the command functions, in this process) must each exit with a coded
// error that is not E_INTERNAL, or exit 0 with exactly the undamaged run's results.
// 240 mutations keep the loop near a minute on 2 idle cores (the reads are small; most damaged runs are
// refused at the first checked file). acc-lens' own state (.acc-lens/: the manifest backup) is read by
// `verify --repair` only, which writes, so it is left out of the targets.
const MUTATIONS = 240;
const SEED = 12;
const METRICS = ['--resamples', '10', '--permutations', '10', '--json'];

let work = '';
let pq = '';
let targets: string[] = [];
const baseline = { metrics: '', parquet: new Map<string, string>() };

beforeAll(async () => {
  const { dir, run } = buildSmallRun('acc-lens-run-store-fuzz-');
  work = copyRun(run, dir, 'work');
  pq = join(dir, 'parquet');
  targets = [...snapshot(work, { skipState: true }).keys()];
  const m = await inProcess(['metrics', work, ...METRICS]);
  expect(m.status, m.stderr).toBe(0);
  baseline.metrics = results(m.stdout);
  rmSync(join(work, 'metrics'), { recursive: true, force: true });
  const e = await inProcess(['export', work, '--parquet', '--out', pq]);
  expect(e.status, e.stderr).toBe(0);
  baseline.parquet = snapshot(pq);
  rmSync(pq, { recursive: true, force: true });
}, 300_000);

/** summary.json without its wall time: the numbers a run gives. */
function results(summaryJson: string): string {
  const { seconds: _seconds, ...rest } = JSON.parse(summaryJson) as Record<string, unknown>;
  return JSON.stringify(rest);
}

interface Mutation {
  what: string;
  /** Original bytes of every file touched, to put back. */
  saved: Map<string, Buffer>;
}

function mutate(rng: Rng): Mutation {
  const pick = (): string => targets[rng.int(targets.length)]!;
  const file = pick();
  const path = join(work, file);
  const bytes = readFileSync(path);
  const saved = new Map([[file, Buffer.from(bytes)]]);
  const kind = rng.int(4);
  if (kind === 0) {
    const keep = rng.int(bytes.byteLength);
    writeFileSync(path, bytes.subarray(0, keep));
    return { what: `truncate ${file} to ${keep} bytes`, saved };
  }
  if (kind === 1) {
    const at = rng.int(bytes.byteLength);
    const length = 1 + rng.int(Math.min(4096, bytes.byteLength - at));
    bytes.fill(0, at, at + length);
    writeFileSync(path, bytes);
    return { what: `zero ${length} bytes of ${file} at ${at}`, saved };
  }
  if (kind === 2) {
    const flips = 1 + rng.int(8);
    const at: number[] = [];
    for (let i = 0; i < flips; i++) {
      const bit = rng.int(bytes.byteLength * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      at.push(bit);
    }
    writeFileSync(path, bytes);
    return { what: `flip bits ${at.join(',')} of ${file}`, saved };
  }
  let other = pick();
  while (other === file && targets.length > 1) other = pick();
  const otherBytes = readFileSync(join(work, other));
  saved.set(other, Buffer.from(otherBytes));
  writeFileSync(path, otherBytes);
  writeFileSync(join(work, other), bytes);
  return { what: `swap ${file} and ${other}`, saved };
}

function restore(m: Mutation): void {
  for (const [file, bytes] of m.saved) writeFileSync(join(work, file), bytes);
  rmSync(join(work, 'metrics'), { recursive: true, force: true });
  rmSync(pq, { recursive: true, force: true });
}

/** Why a command's outcome is wrong, or null: a coded error (not E_INTERNAL), or success with the baseline's results. */
function judge(r: CliResult, same: () => boolean): string | null {
  if (r.status === 0) return same() ? null : 'exit 0 with results that differ from the undamaged run';
  if (r.status === 70 || /E_INTERNAL/.test(r.stderr)) return `E_INTERNAL: ${r.stderr.slice(0, 300)}`;
  if (!/^error\[E_[A-Z_]+\]/m.test(r.stderr))
    return `exit ${r.status} without a coded error: ${r.stderr.slice(0, 300)}`;
  return null;
}

describe('run store fuzz (issue 12)', () => {
  it(`${MUTATIONS} seeded mutations: every reader gives a coded error or the undamaged results`, async () => {
    const rng = createRng(SEED);
    const failures: string[] = [];
    const outcomes = { refusedByVerify: 0, harmless: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const m = mutate(rng);
      try {
        const verify = await inProcess(['verify', work, '--json']);
        const metrics = await inProcess(['metrics', work, ...METRICS]);
        const exported = await inProcess(['export', work, '--parquet', '--out', pq]);
        const checks: [string, string | null][] = [
          ['verify', judge(verify, () => true)],
          ['metrics', judge(metrics, () => results(metrics.stdout) === baseline.metrics)],
          [
            'export',
            judge(exported, () => {
              const got = snapshot(pq);
              return got.size === baseline.parquet.size && [...got].every(([k, h]) => baseline.parquet.get(k) === h);
            }),
          ],
        ];
        for (const [command, problem] of checks)
          if (problem !== null) failures.push(`${m.what}: ${command}: ${problem}`);
        // What verify passes, the readers must pass with identical results (checked above) — and vice versa
        // a reader may refuse only what verify reports.
        if (verify.status === 0 && (metrics.status !== 0 || exported.status !== 0))
          failures.push(`${m.what}: verify says sound, but metrics ${metrics.status} / export ${exported.status}`);
        if (verify.status === 0) outcomes.harmless++;
        else outcomes.refusedByVerify++;
      } finally {
        restore(m);
      }
    }
    expect(failures).toEqual([]);
    // The mutations were not all harmless: most hit bytes that matter.
    expect(outcomes.refusedByVerify).toBeGreaterThan(MUTATIONS / 2);
  }, 900_000);
});
