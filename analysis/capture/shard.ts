import { AccLensError } from '../errors.ts';

export interface Shard {
  index: number;
  count: number;
}

/** Parses `--shard i/n` (0 ≤ i < n). Example: `parseShard('1/4')` → { index: 1, count: 4 }. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]),
    count = Number(m?.[2]);
  if (!m || !(count >= 1) || !(index < count))
    throw new AccLensError('E_USAGE', `--shard ${text}: expected i/n with 0 ≤ i < n, e.g. 0/4`);
  return { index, count };
}

/** 32-bit FNV-1a over the UTF-8 bytes: stable across runs, machines and probe-set order. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/**
 * Whether a probe belongs to a shard: FNV-1a(probe id) mod n = i, so a probe stays in its shard when
 * others are added or reordered. Example: `probes.filter((p) => inShard(p.id, shard))`.
 */
export function inShard(probeId: string, shard: Shard | null): boolean {
  return shard === null || stableHash(probeId) % shard.count === shard.index;
}
