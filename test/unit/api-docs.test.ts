import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeRandomRun } from './metrics/random-run.ts';

/**
 * docs/api.md's examples, executed through the package's own `exports` (`import … from 'acc-lens'`
 * resolves to this checkout): in vitest, and as a user script run by tsx. The examples name
 * `runs/demo`; here that is a 24-probe run built for the test. Example files live under the
 * repository (tmp/, ignored by git) because a package can import itself only from inside it.
 */
const root = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/api.md'), 'utf8');
const examples = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = join(root, 'tmp', `api-docs-${process.pid}`);
let files: string[] = [];

beforeAll(async () => {
  const run = await writeRandomRun(11);
  mkdirSync(dir, { recursive: true });
  files = examples.map((code, i) => {
    const file = join(dir, `example-${i + 1}.ts`);
    writeFileSync(file, code.replaceAll("'runs/demo'", JSON.stringify(run)));
    return file;
  });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an example module in this process and returns what it printed. */
async function runHere(file: string): Promise<string> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await import(pathToFileURL(file).href);
    return log.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  } finally {
    log.mockRestore();
  }
}

describe('docs/api.md', () => {
  it('has examples that import only from the package name', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const code of examples) {
      const specifiers = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        specifiers.every((s) => s === 'acc-lens' || s === 'acc-lens/figures'),
        code,
      ).toBe(true);
    }
  });

  it('every example runs in vitest through the exports, in order, and prints what the text says', async () => {
    const out = [];
    for (const file of files) out.push(await runHere(file));
    expect(out[0]).toMatch(/^base,tuned \d+ units\n24 probes; \d+ distance rows of the tuned model$/);
    expect(out[1]).toContain('Attention — heads ranked by change in evidence lift');
    expect(out[2]).toMatch(/^top head L\d+H\d+: Δ lift [-\d.e]+ \[[-\d.e]+, [-\d.e]+\]\nall L0 all: Δ /);
    expect(out[3]!.split('\n')).toEqual(['0.2 4', '1', '0,1,2,3,4,5']);
    expect(out[4]).toBe(
      'Attention over distance, most-changed layers true true\n# Attention over distance in the most-changed layers',
    );
  }, 120_000);

  it('every example runs as a user script too: node --import tsx, all of them in one process', () => {
    const runner = join(dir, 'run-all.ts');
    writeFileSync(runner, files.map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});`).join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', runner], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('24 probes;');
    expect(r.stdout).toContain('0.2 4\n1\nInt32Array(6) [ 0, 1, 2, 3, 4, 5 ]\n');
  }, 120_000);
});
