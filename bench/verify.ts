// Cost of the run store's integrity checks: `acc-lens verify` per GB (sha256 + Arrow decoding + checks),
// resume's fast paths (size + sha256, size only) and the hashes Node ships; then the overhead of resuming
// a finished capture of the reference pair against capturing it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RunWriter, readManifest, type RunInit } from '../analysis/io/index.ts';
import { DEFAULT_PAIR_DIR } from '../analysis/io/reference-pair.ts';
import { verifyRun } from '../analysis/io/repair-run.ts';
import { checkUnit, type CheckLevel } from '../analysis/io/unit-check.ts';

const UNITS = 14; // × one 22 MB routing part (1M rows) ≈ 300 MB
const LAYERS = 8;
const POSITIONS = 15_625;
const TOP_K = 8;
const REPEATS = 3;
const HASH_MB = 256;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 3): number => +x.toFixed(digits);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

function routing(seed: number) {
  const n = LAYERS * POSITIONS * TOP_K;
  const [layer, position, rank, expert, gate] = [
    new Int16Array(n),
    new Int32Array(n),
    new Int16Array(n),
    new Int16Array(n),
    new Float32Array(n),
  ];
  for (let i = 0, l = 0; l < LAYERS; l++)
    for (let p = 0; p < POSITIONS; p++)
      for (let r = 0; r < TOP_K; r++, i++) {
        layer[i] = l;
        position[i] = p;
        rank[i] = r;
        expert[i] = (p * 31 + l * 7 + r * 13 + seed) % 128;
        gate[i] = 1 / (r + 2 + seed);
      }
  return { layer, position, rank, expert, gate };
}

const init: RunInit = {
  models: { base: { path: 'bench.onnx', sha256: '0'.repeat(64), form: 'unfused', execution_provider: 'cpu' } },
  tokenizer: { id: 'bench', sha256: '1'.repeat(64) },
  probe_set: { path: 'bench.jsonl', sha256: '2'.repeat(64), n_probes: UNITS },
  plan: { bench: true },
};

async function writeRun(runDir: string): Promise<void> {
  const writer = await RunWriter.open(runDir, init);
  const ids = Array.from({ length: UNITS }, (_, i) => `p${i}`);
  await writer.writeProbeSet(
    {
      probe_id: ids,
      family: ids.map(() => 'mrcr'),
      n_tokens: ids.map(() => POSITIONS),
      source: ids.map(() => 'bench'),
      answer: ids.map(() => null),
      answer_n_tokens: ids.map(() => 0),
      flags: ids.map(() => ''),
    },
    {
      probe_id: ids,
      segment_index: ids.map(() => 0),
      kind: ids.map(() => 'question'),
      label: ids.map(() => null),
      turn: ids.map(() => null),
      token_start: ids.map(() => 0),
      token_end: ids.map(() => POSITIONS),
      char_start: ids.map(() => null),
      char_end: ids.map(() => null),
    },
  );
  for (const [i, id] of ids.entries()) await writer.writeUnit('base', id, { routing: routing(i) });
  await writer.close();
}

/** Verify and resume checks over a synthetic run of ~300 MB (files just written: warm page cache). */
async function verifyCost(dir: string): Promise<Record<string, unknown>> {
  const runDir = join(dir, 'run');
  await writeRun(runDir);
  const manifest = await readManifest(runDir);
  const levels: Record<string, number[]> = { deep_verify: [], hash: [], size: [] };
  let bytes = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    levels.deep_verify!.push(
      await timed(async () => {
        const report = await verifyRun(runDir);
        if (!report.ok) throw new Error(`bench run does not verify: ${JSON.stringify(report).slice(0, 800)}`);
        bytes = report.bytes;
      }),
    );
    for (const level of ['hash', 'size'] as CheckLevel[])
      levels[level]!.push(
        await timed(async () => {
          for (const unit of Object.values(manifest.units)) await checkUnit(runDir, manifest, unit, level);
        }),
      );
  }
  const gb = bytes / 1e9;
  const per = (name: string) => {
    const s = median(levels[name]!);
    return { seconds: round(s), seconds_per_gb: round(s / gb), mb_per_s: round(bytes / 1e6 / s, 1) };
  };
  return {
    run_bytes: bytes,
    units: UNITS,
    verify_deep: per('deep_verify'),
    resume_check_size_sha256: per('hash'),
    resume_check_size_only: per('size'),
  };
}

/** MB/s of the strong hashes Node ships, over one buffer in memory. */
function hashThroughput(): Record<string, number> {
  const buffer = Buffer.alloc(HASH_MB * 2 ** 20, 7);
  const out: Record<string, number> = {};
  for (const algorithm of ['sha256', 'sha512-256', 'blake2b512', 'sha1']) {
    const times: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      createHash(algorithm).update(buffer).digest();
      times.push((performance.now() - t0) / 1000);
    }
    out[`${algorithm}_mb_per_s`] = round((HASH_MB * 2 ** 20) / 1e6 / median(times), 1);
  }
  return out;
}

/** A capture of the reference pair (2 MRCR probes × ~1,000 tokens, 4 units), then the same command again. */
function resumeOverhead(dir: string): Record<string, unknown> {
  const cli = (args: string[]): number => {
    const t0 = performance.now();
    const r = spawnSync('node', ['bin/acc-lens.js', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    if (r.status !== 0) throw new Error(`acc-lens ${args[0]} failed: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  const probes = join(dir, 'probes.jsonl');
  cli(['probes', 'mrcr', '--n', '2', '--tokens', '1000', '--seed', '5', '--out', probes]);
  const out = join(dir, 'capture');
  const args = [
    'capture',
    '--base',
    `${DEFAULT_PAIR_DIR}/base.fused.onnx`,
    '--tuned',
    `${DEFAULT_PAIR_DIR}/tuned.fused.onnx`,
  ];
  const full = [...args, '--ep', 'cpu', '--probes', probes, '--out', out];
  const capture = cli(full);
  const resume = cli(full);
  return {
    units: 4,
    capture_seconds: round(capture, 1),
    resume_finished_seconds: round(resume, 1),
    resume_over_capture: round(resume / capture, 2),
    note: 'wall time of the CLI; a resume re-hashes, re-instruments and opens both models (validation before work) and checks every kept unit (size + sha256) before finding nothing to do',
  };
}

/** `npm run bench -- verify`. */
export async function benchVerify(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'acc-lens-bench-verify-'));
  try {
    const loadBefore = loadavg()[0]!;
    const result = { ...(await verifyCost(dir)), hashes: hashThroughput(), resume: resumeOverhead(dir) };
    // Other work on the machine slows every number here: record how busy it was.
    return { ...result, load_average_1m: { before: round(loadBefore, 1), after: round(loadavg()[0]!, 1) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
