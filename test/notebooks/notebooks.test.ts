import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureRuns } from '../browser/fixture-runs.ts';

/**
 * Executes the notebooks with Jupyter's nbconvert and the tslab kernel (as CI installs them:
 * `.ci/run`) on a reference-pair run, and checks what they print and show.
 */
const NOTEBOOKS = new URL('../../notebooks/', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

function requireJupyter(): void {
  let kernels: string;
  try {
    kernels = execFileSync(PYTHON, ['-m', 'jupyter', 'kernelspec', 'list'], { encoding: 'utf8' });
  } catch {
    throw new Error(
      'Jupyter is missing: apt-get install jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient',
    );
  }
  if (!/\btslab\b/.test(kernels))
    throw new Error(
      'The tslab kernel is not registered: npm install --prefix ~/.acc-lens-tslab tslab@1.0.22 && ~/.acc-lens-tslab/node_modules/.bin/tslab install --python=/usr/bin/python3 --binary=$HOME/.acc-lens-tslab/node_modules/.bin/tslab',
    );
}

let run: string;
beforeAll(async () => {
  requireJupyter();
  run = (await fixtureRuns()).pair;
}, 600_000);

function execute(name: string): Output[] {
  const out = mkdtempSync(join(tmpdir(), 'acc-lens-nb-'));
  execFileSync(
    PYTHON,
    [
      '-m',
      'jupyter',
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--allow-errors',
      '--ExecutePreprocessor.timeout=300',
      `${name}.ipynb`,
      '--output-dir',
      out,
    ],
    {
      cwd: NOTEBOOKS,
      env: { ...process.env, ACC_LENS_RUN: run },
      stdio: 'ignore',
    },
  );
  const nb = JSON.parse(readFileSync(join(out, `${name}.ipynb`), 'utf8')) as { cells: { outputs?: Output[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

const textOf = (outputs: Output[]) =>
  outputs.flatMap((o) => (o.text === undefined ? [] : Array.isArray(o.text) ? o.text : [o.text])).join('');
const svgs = (outputs: Output[]) => outputs.filter((o) => o.data?.['image/svg+xml'] !== undefined).length;
// tslab prints TypeScript diagnostics as "line:col - message" on stdout instead of raising.
const diagnostics = (text: string) => text.split('\n').filter((l) => /^\d+:\d+ - /.test(l));

describe('notebooks (tslab, on a reference-pair run)', () => {
  it('01-attention-over-evidence: planted head first, the hand-computed lift, three figures', () => {
    const outputs = execute('01-attention-over-evidence');
    const text = textOf(outputs);
    expect(
      outputs.filter((o) => o.output_type === 'error'),
      text,
    ).toEqual([]);
    expect(diagnostics(text)).toEqual([]);
    expect(text).toMatch(/^L(1H0|3H2) \(answer\): Δ lift [\d.]+/m);
    const [, tunedLift] = /tuned: evidence mass [\d.]+, uniform [\d.]+ → lift ([\d.]+)/.exec(text) ?? [];
    expect(Number(tunedLift)).toBeGreaterThan(5);
    expect(svgs(outputs)).toBe(3);
  }, 300_000);

  it('02-expert-usage-per-task: I(task; expert) by hand equals metrics_routing_mi for both models', () => {
    const outputs = execute('02-expert-usage-per-task');
    const text = textOf(outputs);
    expect(
      outputs.filter((o) => o.output_type === 'error'),
      text,
    ).toEqual([]);
    expect(diagnostics(text)).toEqual([]);
    const lines = [
      ...text.matchAll(/(base|tuned) L\d+: I\(task; expert\) = ([\d.]+) bits by hand, ([\d.]+) in metrics_routing_mi/g),
    ];
    expect(lines).toHaveLength(2);
    for (const [, , hand, table] of lines) expect(Number(hand)).toBeCloseTo(Number(table), 3);
    expect(svgs(outputs)).toBe(3);
  }, 300_000);

  it('03-figures-for-a-paper: every figure inline, 32 files written, the caption printed', () => {
    const outputs = execute('03-figures-for-a-paper');
    const text = textOf(outputs);
    expect(
      outputs.filter((o) => o.output_type === 'error'),
      text,
    ).toEqual([]);
    expect(diagnostics(text)).toEqual([]);
    expect(svgs(outputs)).toBe(8);
    expect(text).toMatch(/32 files in [\d.]+ s/);
    expect(text).toMatch(/Selection: layers and heads were ranked on the selection half/);
  }, 300_000);
});
