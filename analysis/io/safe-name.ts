import { createHash } from 'node:crypto';

const SAFE = /^[a-z0-9][a-z0-9._-]{0,79}$/;

/**
 * A folder name for a probe id: the id itself when it is already lowercase-safe, otherwise a
 * readable prefix plus `~` and a hash of the id. Safe ids never contain `~`, so the two forms cannot
 * collide, and lowercase-only names stay distinct on case-insensitive file systems.
 * Example: `safeName('mrcr/0001 a')` → `mrcr_0001_a~3f2c9a1b7e40`.
 */
export function safeName(id: string): string {
  if (SAFE.test(id)) return id;
  const readable = id
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 12);
  return `${readable === '' ? 'id' : readable}~${hash}`;
}

export { MODEL_NAME } from '../schema/manifest.ts';
