import { AccLensError } from '../errors.ts';
import { runCommand, type Command } from './command.ts';
import { demoCommand } from './commands/demo.ts';
import { modelsCommand } from './commands/models.ts';
import { probesCommand } from './commands/probes.ts';
import { instrumentCommand } from './commands/instrument.ts';
import { figuresCommand } from './commands/figures.ts';
import { viewCommand } from './commands/view.ts';
import { metricsCommand } from './commands/metrics.ts';
import { captureCommand } from './commands/capture.ts';
import { interveneCommand } from './commands/intervene.ts';
import { exportCommand } from './commands/export.ts';
import { verifyCommand } from './commands/verify.ts';
import { TOOL_VERSION } from '../version.ts';

const COMMANDS: Command[] = [
  demoCommand,
  modelsCommand,
  probesCommand,
  instrumentCommand,
  captureCommand,
  interveneCommand,
  metricsCommand,
  figuresCommand,
  viewCommand,
  exportCommand,
  verifyCommand,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `acc-lens ${TOOL_VERSION} — compare attention and expert routing of a base and a tuned long-context model`,
    '',
    'Usage: acc-lens <command> [options]      acc-lens <command> --help',
    '',
    'Commands:',
    ...lines,
    '',
    'Start with `acc-lens demo`: it builds the reference model pair and runs everything that exists on it.',
    'Error codes, causes and fixes: README.md#error-codes.',
  ].join('\n');
}

/** Dispatches argv to a command; prints coded errors as `error[CODE]: message` plus the fix. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (command === undefined) {
      throw new AccLensError(
        'E_USAGE',
        `unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    return await runCommand(command, rest);
  } catch (error) {
    if (error instanceof AccLensError) {
      process.stderr.write(`error[${error.code}]: ${error.message}\n  fix: ${error.fix}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error[E_INTERNAL]: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
