import { vi } from 'vitest';
import { main } from '../analysis/cli/main.ts';

/** What one `acc-lens` command printed and its exit status. */
export interface CliOutput {
  status: number;
  stdout: string;
  stderr: string;
}

/** `acc-lens ARGV` in this process (the command functions through `main`), stdout and stderr captured. */
export async function runInProcess(argv: string[]): Promise<CliOutput> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const status = await main(argv);
    return {
      status,
      stdout: out.mock.calls.map((c) => String(c[0])).join(''),
      stderr: err.mock.calls.map((c) => String(c[0])).join(''),
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
