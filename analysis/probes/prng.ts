import { createRng } from '../stats/rng.ts';

/** The draws the probe generators need, on the project's one seeded PRNG; never Math.random. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** A child stream whose draws do not disturb this one (for per-probe seeds). */
  fork(salt: number): Rng;
}

/**
 * Makes a deterministic generator over acc-lens's one seeded source (analysis/stats/rng.ts):
 * `makeRng(7).int(1, 6)` is the same on every machine.
 */
export function makeRng(seed: number): Rng {
  const source = createRng(seed);
  const next = (): number => source.next();
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = tmp;
      }
      return out;
    },
    // Derived from the seed, not drawn from this stream, so forking does not disturb it.
    fork: (salt) => makeRng((Math.imul(seed ^ 0x5bd1e995, 31) + Math.imul(salt + 1, 0x27d4eb2d)) >>> 0),
  };
}
