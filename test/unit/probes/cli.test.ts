import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('import --tokens is refused (imported probes keep their length), pointing to --max-tokens', async () => {
    const out = join(dir, 't.jsonl');
    const r = await capture(['probes', 'import', 'test/fixtures/probes/react.txt', '--out', out, '--tokens', '2000']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error\[E_USAGE\].*import takes no --tokens.*--max-tokens/);
    expect(existsSync(out)).toBe(false);
  });

  it('invalid JSON with --format given exits 9 with E_JSONL_INVALID at file:line:column', async () => {
    const r = await capture([
      'probes',
      'import',
      'test/fixtures/probes/swe-agent-truncated.traj',
      '--format',
      'swe-agent',
      '--out',
      join(dir, 'u.jsonl'),
    ]);
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/error\[E_JSONL_INVALID\].*swe-agent-truncated\.traj:\d+:\d+: not valid JSON/);
    expect(r.err).not.toMatch(/E_FORMAT_UNKNOWN|pass --format/);
  });

  it('a row over the default limit is kept with a warning; --max-tokens leaves it out and says so', async () => {
    const line = (id: string, words: number) =>
      JSON.stringify({
        schema: 'acc-lens.probe/1',
        id,
        family: 'acc_search',
        text: 'alpha beta gamma '.repeat(words / 3),
        segments: [],
        answer: 'x',
        source: 'test',
        metadata: {},
      });
    const input = join(dir, 'big.jsonl');
    writeFileSync(input, `${line('small', 30)}\n${line('huge', 150_000)}\n`);
    const kept = await capture(['probes', 'import', input, '--out', join(dir, 'kept.jsonl')]);
    expect(kept.code).toBe(0);
    expect(kept.err).toMatch(/warning: probe huge has ~[\d,]+ tokens, over 131,072: kept/);
    expect(readFileSync(join(dir, 'kept.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const cut = await capture([
      'probes',
      'import',
      input,
      '--out',
      join(dir, 'cut.jsonl'),
      '--max-tokens',
      '1000',
      '--json',
    ]);
    expect(cut.code).toBe(0);
    const summary = JSON.parse(cut.out) as { probes: number; over_limit: { id: string }[]; warnings: string[] };
    expect(summary.probes).toBe(1);
    expect(summary.over_limit.map((o) => o.id)).toEqual(['huge']);
    expect(summary.warnings[0]).toMatch(/over 1,000 \(--max-tokens\): left out/);
    expect(readFileSync(join(dir, 'cut.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
