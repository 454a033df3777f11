import { AccLensError } from '../../errors.ts';
import type { parseFlags } from '../command.ts';

/** Flags of `acc-lens models` (all subcommands share one parser). */
export const FLAGS = {
  out: { type: 'string' },
  dtype: { type: 'string' },
  form: { type: 'string' },
  hf: { type: 'string' },
  layers: { type: 'string' },
  ep: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export type ModelsFlags = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

/** --dtype fp32|fp16 → the builder's float type. */
export function parseDtype(value: string | undefined): 'float32' | 'float16' {
  if (value === undefined || value === 'fp32' || value === 'float32') return 'float32';
  if (value === 'fp16' || value === 'float16') return 'float16';
  throw new AccLensError('E_USAGE', `--dtype must be fp32 or fp16, got "${value}"`, 'Run `acc-lens models --help`.');
}
