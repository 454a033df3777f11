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

/** Parses flags strictly; unknown flags become a coded usage error naming the command. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({
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
}

/** Whether stdout is an interactive terminal (progress bars) or a pipe/CI (plain lines). */
export const isTerminal = (): boolean => Boolean(process.stdout.isTTY) && !process.env.CI;
