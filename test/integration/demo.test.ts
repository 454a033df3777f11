import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('acc-lens demo --quick (acceptance: the README quick start on the embedded pair)', () => {
  it('captures both models, computes metrics and recovers every planted effect (exit 0)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'acc-lens-demo-')), 'run');
    const stdout = execFileSync(
      process.execPath,
      [join(root, 'bin/acc-lens.js'), 'demo', '--quick', '--no-serve', '--out', out, '--ep', 'cpu'],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(stdout).toContain('40 units captured');
    expect(stdout).toMatch(/all \d+ planted effects recovered/);
    expect(stdout).not.toContain('✗');
    expect(existsSync(join(out, 'metrics', 'summary.json'))).toBe(true);
    expect(existsSync(`${out}.probes.jsonl`)).toBe(true);
    for (const ext of ['svg', 'png', 'pdf', 'caption.md'])
      expect(existsSync(join(out, 'figures', `01-attention-distance-profiles.${ext}`)), ext).toBe(true);
  }, 900_000);
});
