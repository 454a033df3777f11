import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../analysis/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-probes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('acc-lens probes', () => {
  it('--help teaches every subcommand and exits 0', async () => {
    const r = await capture(['probes', '--help']);
    expect(r.code).toBe(0);
    for (const word of ['mrcr', 'graphwalks', 'acc', 'import', 'inspect', '--skip-bad']) expect(r.out).toContain(word);
  });

  it('acc --family sql writes JSONL that inspect --json summarizes', async () => {
    const out = join(dir, 'sql.jsonl');
    expect(
      (await capture(['probes', 'acc', '--family', 'sql', '--n', '2', '--tokens', '2000', '--seed', '3', '--out', out]))
        .code,
    ).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const r = await capture(['probes', 'inspect', out, '--json']);
    const summary = JSON.parse(r.out) as {
      probes: number;
      families: Record<string, { evidence_distance: { min: number } }>;
    };
    expect(summary.probes).toBe(2);
    expect(summary.families.acc_sql?.evidence_distance.min).toBeGreaterThanOrEqual(100);
  });

  it('a bad flag value is a usage error (exit 2) naming the flag', async () => {
    const r = await capture(['probes', 'mrcr', '--n', '2', '--tokens', '50', '--out', join(dir, 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error\[E_USAGE\].*--tokens/);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });

  it('import of a malformed JSONL exits 9 with file:line', async () => {
    const r = await capture(['probes', 'import', 'test/fixtures/probes/mrcr-bad.jsonl', '--out', join(dir, 'y.jsonl')]);
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/mrcr-bad\.jsonl:2/);
  });
});
