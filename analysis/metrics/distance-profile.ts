import { entropyBits } from './divergence.ts';

/**
 * Local window of the local-mass metric: distance bins 0..7 of `distanceBinEdges()`, i.e. key
 * distances 0 ≤ d < 14 tokens (the token itself and the 13 before it).
 */
export const LOCAL_WINDOW_BINS = 8;

/**
 * Attention mass within the local window (distance < 14 tokens, the token itself included).
 * @example localMass([0.5, 0.25, 0, 0, 0, 0, 0, 0, 0.25]) // 0.75
 */
export function localMass(profile: ArrayLike<number>, windowBins: number = LOCAL_WINDOW_BINS): number {
  let s = 0;
  for (let b = 0; b < Math.min(windowBins, profile.length); b++) s += profile[b]!;
  return s;
}

/**
 * Entropy (bits) of the attention distribution over the 32 distance bins — a binned entropy, not
 * the entropy over individual keys (the run store keeps full rows only as top-k). 0 for a row on
 * one bin, 5 bits for equal mass in every bin.
 * @example distanceEntropyBits(new Array(32).fill(1 / 32)) // 5
 */
export function distanceEntropyBits(profile: ArrayLike<number>): number {
  return entropyBits(profile);
}
