import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { runInProcess } from '../in-process-cli.ts';
import { DEFAULT_PAIR_DIR } from '../../analysis/io/reference-pair.ts';

/** The run-store tests' shared setup: one small capture of the reference pair, copies to damage, and checks. */
export const CLI = 'bin/acc-lens.js';
export const BASE = `${DEFAULT_PAIR_DIR}/base.fused.onnx`;
export const TUNED = `${DEFAULT_PAIR_DIR}/tuned.fused.onnx`;

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** `acc-lens ARGS` in a child process. */
export function cli(args: string[], env: Record<string, string> = {}): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync('node', [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', ...env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `acc-lens ARGS` in this process (the command functions through `main`), output captured. */
export const inProcess = (argv: string[]): Promise<CliResult> => runInProcess(argv);

/** The models a run was captured from: hard links to the reference pair, so a rebuild of the pair midway changes nothing. */
export interface Models {
  base: string;
  tuned: string;
}

export const captureArgs = (models: Models, probes: string, out: string, ...extra: string[]): string[] => [
  'capture',
  '--base',
  models.base,
  '--tuned',
  models.tuned,
  '--ep',
  'cpu',
  '--probes',
  probes,
  '--out',
  out,
  ...extra,
];

/** Two ~1,000-token MRCR probes captured through both models (4 units), in a fresh temp folder. */
export function buildSmallRun(prefix: string): { dir: string; probes: string; run: string; models: Models } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const models = { base: join(dir, 'base.onnx'), tuned: join(dir, 'tuned.onnx') };
  for (const [to, from] of [
    [models.base, BASE],
    [models.tuned, TUNED],
  ] as const) {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
  const probes = join(dir, 'probes.jsonl');
  const gen = cli(['probes', 'mrcr', '--n', '2', '--tokens', '1000', '--seed', '5', '--out', probes]);
  expect(gen.status, gen.stderr).toBe(0);
  const run = join(dir, 'run');
  const r = cli(captureArgs(models, probes, run));
  expect(r.status, r.stderr).toBe(0);
  return { dir, probes, run, models };
}

let copies = 0;
/** A copy of a run folder to damage. */
export function copyRun(run: string, dir: string, name = `copy${copies++}`): string {
  const to = join(dir, name);
  cpSync(run, to, { recursive: true });
  return to;
}

/** Every file below `root` (relative path → sha256), `.acc-lens/damaged/` left out when `skipDamaged`. */
export function snapshot(root: string, o: { skipState?: boolean } = {}): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(root, p);
      if (o.skipState && rel === '.acc-lens') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/** The manifest without its timestamps (created_at, finished_at). */
export function manifestContent(run: string): unknown {
  const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as {
    created_at?: string;
    units: Record<string, { finished_at?: string }>;
  };
  delete m.created_at;
  for (const u of Object.values(m.units)) delete u.finished_at;
  return m;
}

/** Same data files, byte for byte, and the same manifest but for timestamps (acc-lens' own state aside). */
export function expectSameRun(expected: string, actual: string): void {
  const a = snapshot(expected, { skipState: true });
  const b = snapshot(actual, { skipState: true });
  a.delete('manifest.json');
  b.delete('manifest.json');
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, h] of a) expect(b.get(k), k).toBe(h);
  expect(manifestContent(actual)).toEqual(manifestContent(expected));
}

/** Overwrites `length` bytes at `at` with zeros (the whole file by default), keeping its size. */
export function zero(path: string, at = 0, length?: number): void {
  const bytes = readFileSync(path);
  bytes.fill(0, at, length === undefined ? undefined : at + length);
  writeFileSync(path, bytes);
}

/** Cuts a file to its first `keep` bytes (half by default). */
export function truncate(path: string, keep?: number): void {
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, keep ?? Math.floor(bytes.byteLength / 2)));
}

/** The first line of a coded error on stderr, e.g. `E_RUN_DAMAGED`. */
export const errorCode = (stderr: string): string | null => /error\[(E_[A-Z_]+)\]/.exec(stderr)?.[1] ?? null;

/** Parses the manifest for edits. */
export const readManifestJson = (run: string): Record<string, unknown> & { units: Record<string, UnitJson> } =>
  JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as Record<string, unknown> & {
    units: Record<string, UnitJson>;
  };

export interface UnitJson {
  model: string;
  probe_id: string;
  dir: string;
  status: string;
  files: string[];
  hashes?: Record<string, unknown>;
}

export const writeManifestJson = (run: string, m: unknown): void =>
  writeFileSync(join(run, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
