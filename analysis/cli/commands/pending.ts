import { AccLensError } from '../../errors.ts';
import type { Command } from '../command.ts';

/** A designed command that is not implemented yet: it says so and exits 2 — never fake output. */
export function pendingCommand(name: string, summary: string, usage: string, issue: string): Command {
  const help = `${usage}\n\n${summary}\n\nNot built yet (tracked in ${issue}). Running it exits with status 2.`;
  return {
    name,
    summary: `${summary} (not built yet)`,
    help,
    async run(argv) {
      if (argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write(`${help}\n`);
        return 0;
      }
      throw new AccLensError('E_NOT_BUILT', `acc-lens ${name} is not built yet (${issue}).`);
    },
  };
}
