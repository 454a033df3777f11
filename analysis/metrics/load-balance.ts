import { entropyBits } from './divergence.ts';

/**
 * Load balance of expert usage: the effective number of experts 2^H(usage) divided by the expert
 * count — 1 when every expert gets the same load, 1/E when one expert takes everything, 0 with no
 * data. (Routing entropy itself is `entropyBits(usage)`.)
 * @example loadBalance([1, 1, 1, 1]) // 1; loadBalance([1, 0, 0, 0]) // 0.25
 */
export function loadBalance(usage: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < usage.length; i++) total += Math.max(0, usage[i]!);
  if (total <= 0 || usage.length === 0) return 0;
  return 2 ** entropyBits(usage) / usage.length;
}
