import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runSource, writeMetrics } from '../../analysis/cli/commands/metrics.ts';
import { DEMO_SIZES, demoProbes } from '../../analysis/cli/demo/demo-probes.ts';
import { generateMrcr } from '../../analysis/probes/mrcr/generate.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { openRun } from '../../analysis/io/index.ts';
import { buildPairFiles, DEFAULT_PAIR_DIR, pairModelPath } from '../../analysis/io/reference-pair.ts';
import { computeMetrics } from '../../analysis/metrics/run/compute-run.ts';
import { SCHEMA_VERSION } from '../../analysis/schema/metadata.ts';
import { TOOL_VERSION } from '../../analysis/version.ts';
import { withLock } from './lock.ts';

/**
 * The runs the browser tests open, made once and cached under tmp/browser-fixture/<key>/ (the key
 * covers the tool and schema version, the reference pair's files and this file), so a rerun
 * starts at once and a change to any of them builds afresh:
 *   pair        reference pair, 2 probes per family at ~1k tokens plus one MRCR probe at ~1.7k, metrics included
 *   no-metrics  the same run without metrics/
 *   damaged     the same run with metrics/metrics_attention_heads.arrow truncated
 *   single      the base model alone (as `capture --model base.fused.onnx` names it), no metrics
 */
export interface FixtureRuns {
  pair: string;
  noMetrics: string;
  damaged: string;
  single: string;
}

export const FIXTURE_ROOT = resolve('tmp', 'browser-fixture');
/** `capture --model models/reference-pair/base.fused.onnx` runs the model under its file name. */
export const SINGLE_MODEL_NAME = 'base.fused';
export const DAMAGED_FILE = 'metrics/metrics_attention_heads.arrow';
export const LONG_PROBE_ID = 'mrcr-long-0';
const LONG_PROBE_TOKENS = 1700;

function fixtureKey(): string {
  const h = createHash('sha256');
  h.update(`${TOOL_VERSION}\n${SCHEMA_VERSION}\n`);
  h.update(readFileSync(new URL(import.meta.url)));
  h.update(readFileSync(join(DEFAULT_PAIR_DIR, 'ground-truth.json')));
  for (const m of ['base', 'tuned'] as const) {
    const s = statSync(pairModelPath(DEFAULT_PAIR_DIR, m, 'fused'));
    h.update(`${m} ${s.size} ${s.mtimeMs}\n`);
  }
  return `${TOOL_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

const writeJsonl = (path: string, rows: unknown[]) =>
  writeFile(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);

async function capture(models: { name: string; path: string }[], probes: string, out: string): Promise<void> {
  await runCapture({ models, probes, out, ep: 'cpu' });
}

async function build(dir: string): Promise<void> {
  const size = { ...DEMO_SIZES.quick, perFamily: 2 };
  // One probe longer than the token-text limit (1,200 tokens), so its text appears only when zoomed in.
  const long = generateMrcr({ n: 1, tokens: LONG_PROBE_TOKENS, seed: 2 }).map((p) => ({ ...p, id: LONG_PROBE_ID }));
  const probes = join(dir, 'probes.jsonl');
  await writeJsonl(probes, [...demoProbes(size), ...long]);
  const onePerFamily = join(dir, 'probes-1.jsonl');
  await writeJsonl(onePerFamily, demoProbes({ ...size, perFamily: 1 }));
  const model = (m: 'base' | 'tuned') => pairModelPath(DEFAULT_PAIR_DIR, m, 'fused');
  const pair = join(dir, 'pair');
  await capture(
    [
      { name: 'base', path: model('base') },
      { name: 'tuned', path: model('tuned') },
    ],
    probes,
    pair,
  );
  const run = await openRun(pair);
  const metrics = await computeMetrics(runSource(run), {
    resamples: 200,
    permutations: 200,
    seed: 0,
    alpha: 0.05,
    method: 'percentile',
    selectOn: 'half',
    models: ['base', 'tuned'],
  });
  await writeMetrics(run, metrics);
  cpSync(pair, join(dir, 'no-metrics'), { recursive: true });
  rmSync(join(dir, 'no-metrics', 'metrics'), { recursive: true });
  cpSync(pair, join(dir, 'damaged'), { recursive: true });
  const damaged = join(dir, 'damaged', DAMAGED_FILE);
  truncateSync(damaged, Math.floor(statSync(damaged).size / 2));
  await capture([{ name: SINGLE_MODEL_NAME, path: model('base') }], onePerFamily, join(dir, 'single'));
}

/** Fixtures of other keys (older sources or models) untouched for an hour are removed. */
function removeStale(key: string): void {
  for (const name of readdirSync(FIXTURE_ROOT)) {
    const path = join(FIXTURE_ROOT, name);
    if (!name.startsWith(key) && Date.now() - statSync(path).mtimeMs > 3_600_000)
      rmSync(path, { recursive: true, force: true });
  }
}

/** The fixture runs, built on first use (≈ 30–60 s on 2 cores) and shared by every browser test file. */
export async function fixtureRuns(): Promise<FixtureRuns> {
  await buildPairFiles(DEFAULT_PAIR_DIR, { reuse: true });
  const key = fixtureKey();
  const dir = join(FIXTURE_ROOT, key);
  const runs: FixtureRuns = {
    pair: join(dir, 'pair'),
    noMetrics: join(dir, 'no-metrics'),
    damaged: join(dir, 'damaged'),
    single: join(dir, 'single'),
  };
  // Built in place (the manifests record the probe file's path) and marked complete last.
  const done = join(dir, 'complete');
  if (existsSync(done)) return runs;
  mkdirSync(FIXTURE_ROOT, { recursive: true });
  await withLock(join(FIXTURE_ROOT, `${key}.lock`), async () => {
    if (existsSync(done)) return;
    removeStale(key);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    await build(dir);
    writeFileSync(done, `${new Date().toISOString()}\n`);
    process.stderr.write(
      `browser tests: built the fixture runs in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dir}\n`,
    );
  });
  return runs;
}
