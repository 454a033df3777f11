import { describe, expect, it, vi } from 'vitest';
import { HelpRequested, parseFlags, runCommand, type Command } from '../../../analysis/cli/command.ts';
import { captureCommand } from '../../../analysis/cli/commands/capture.ts';
import { demoCommand } from '../../../analysis/cli/commands/demo.ts';
import { exportCommand } from '../../../analysis/cli/commands/export.ts';
import { instrumentCommand } from '../../../analysis/cli/commands/instrument.ts';
import { metricsCommand } from '../../../analysis/cli/commands/metrics.ts';
import { main } from '../../../analysis/cli/main.ts';

async function printed(run: () => Promise<number>): Promise<{ status: number; out: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const status = await run();
    return { status, out: out.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    out.mockRestore();
  }
}

describe('parseFlags', () => {
  it('throws HelpRequested for --help and -h, anywhere among the flags', () => {
    for (const argv of [['--help'], ['-h'], ['RUN', '--json', '--help']])
      expect(() => parseFlags('export', argv, { json: { type: 'boolean' } })).toThrow(HelpRequested);
  });
  it('turns an unknown flag into E_USAGE naming the command, even beside --help', () => {
    expect(() => parseFlags('export', ['--nope', '--help'], {})).toThrow(/acc-lens export: Unknown option '--nope'/);
  });
});

describe('runCommand', () => {
  const commands: Command[] = [captureCommand, demoCommand, exportCommand, instrumentCommand, metricsCommand];
  it('answers --help with the command’s own help text and exit 0, before any other check', async () => {
    for (const c of commands) {
      for (const argv of [['--help'], ['-h']]) {
        const r = await printed(() => runCommand(c, argv));
        expect(r.status, c.name).toBe(0);
        expect(r.out, c.name).toBe(`${c.help}\n`);
      }
    }
  });
  it('capture merge --help prints capture’s help (which teaches merge)', async () => {
    const r = await printed(() => main(['capture', 'merge', '--help']));
    expect(r.status).toBe(0);
    expect(r.out).toContain('acc-lens capture merge SHARD_DIR... --out runs/NAME');
  });
  it('lets other errors through', async () => {
    await expect(runCommand(exportCommand, [])).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
