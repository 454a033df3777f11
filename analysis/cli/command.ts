import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AccLensError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One CLI command: its help text teaches, its run returns an exit status. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Thrown by parseFlags for `--help`/`-h`: runCommand answers it with the command's help text, exit 0. */
export class HelpRequested extends Error {
  constructor(readonly command: string) {
    super(`acc-lens ${command} --help`);
  }
}

/**
 * Parses flags strictly, `--help`/`-h` included: unknown flags become a coded usage error naming the
 * command, and `--help` throws HelpRequested, so no command handles it by hand.
 * Example: `const { values, positionals } = parseFlags('export', argv, { out: { type: 'string' } })`.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new AccLensError(
      'E_USAGE',
      `acc-lens ${command}: ${(error as Error).message}`,
      `Run \`acc-lens ${command} --help\`.`,
    );
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested(command);
  return parsed;
}

/** Runs a command; `--help` prints its help text and returns 0. Other errors propagate. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  try {
    return await command.run(argv);
  } catch (error) {
    if (!(error instanceof HelpRequested)) throw error;
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
}

/** Whether stdout is an interactive terminal (progress bars) or a pipe/CI (plain lines). */
export const isTerminal = (): boolean => Boolean(process.stdout.isTTY) && !process.env.CI;
