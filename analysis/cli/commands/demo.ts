import { pendingCommand } from './pending.ts';

export const demoCommand = pendingCommand(
  'demo',
  'Build the reference pair and run everything that exists on it.',
  'Usage: acc-lens demo [--quick] [--no-serve]',
  'the foundation issue',
);
