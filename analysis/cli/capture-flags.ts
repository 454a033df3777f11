import type { EpChoice } from '../capture/session-ep.ts';
import { fail } from '../errors.ts';

/** `--ep` of the commands that run models (default auto). Example: `epFlag(values.ep)` → 'auto'. */
export function epFlag(value: string | undefined): EpChoice {
  const ep = value ?? 'auto';
  if (ep !== 'auto' && ep !== 'cpu' && ep !== 'cuda') fail('E_USAGE', `--ep ${ep}: expected auto, cpu or cuda`);
  return ep;
}

/** `--chunk-size N` (a positive integer), or undefined when not given. Example: `chunkSizeFlag('512')` → 512. */
export function chunkSizeFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail('E_USAGE', `--chunk-size ${value}: expected a positive integer`);
  return n;
}
