import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AccLensError } from '../errors.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';
import { identityMismatch, readManifest, writeManifest, type Manifest, type UnitEntry } from './manifest.ts';
import { runTableFile } from './run-writer.ts';
import { RUN_TABLE_NAMES } from '../schema/tables.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));

/** Checks that the shards belong to one sharded capture and that all of them are present. */
function checkShards(dirs: readonly string[], manifests: readonly Manifest[]): void {
  const first = manifests[0]!;
  const count = first.shard?.count;
  const seen = new Set<number>();
  manifests.forEach((m, i) => {
    const mismatch = identityMismatch(first, m);
    if (mismatch !== null)
      throw new AccLensError('E_CONFIG_INVALID', `cannot merge ${dirs[i]} with ${dirs[0]}: ${mismatch[0]} differs`);
    if (m.shard === null || m.shard.count !== count)
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `${dirs[i]}: shard is ${JSON.stringify(m.shard)}, expected one of ${count ?? '?'} shards`,
      );
    if (seen.has(m.shard.index))
      throw new AccLensError('E_CONFIG_INVALID', `${dirs[i]}: shard ${m.shard.index}/${count} given twice`);
    seen.add(m.shard.index);
  });
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `shard(s) ${missing.join(', ')} of ${count} missing`,
      'Pass every shard folder of the capture.',
    );
}

async function copyFile(from: string, to: string): Promise<Uint8Array> {
  const bytes = await readFile(from);
  await writeFileAtomic(to, bytes);
  return bytes;
}

/**
 * Merges the shard folders of one sharded capture into `outDir`, without recomputing anything:
 * the result equals the unsharded run (same units, byte-identical part files; timestamps aside).
 * Example: `await mergeRuns(['runs/x.0', 'runs/x.1'], 'runs/x')`.
 */
export async function mergeRuns(shardDirs: readonly string[], outDir: string): Promise<Manifest> {
  if (shardDirs.length === 0) throw new AccLensError('E_USAGE', 'mergeRuns: no shard folders given');
  if (existsSync(join(outDir, 'manifest.json')))
    throw new AccLensError('E_USAGE', `${outDir} already holds a run; merge into a new folder`);
  const manifests = await Promise.all(shardDirs.map(readManifest));
  checkShards(shardDirs, manifests);
  await ensureDir(outDir);
  for (const table of RUN_TABLE_NAMES) {
    let merged: Uint8Array | undefined;
    for (const dir of shardDirs) {
      const path = join(dir, runTableFile(table));
      if (!existsSync(path)) continue;
      if (merged === undefined) merged = await copyFile(path, join(outDir, runTableFile(table)));
      else if (!sameBytes(merged, await readFile(path)))
        throw new AccLensError('E_CONFIG_INVALID', `${path} differs from the other shards' ${table}`);
    }
  }
  const units: Record<string, UnitEntry> = {};
  for (const [i, manifest] of manifests.entries()) {
    for (const [key, unit] of Object.entries(manifest.units)) {
      if (units[key] !== undefined)
        throw new AccLensError('E_CONFIG_INVALID', `unit ${key} is in more than one shard (${shardDirs[i]})`);
      if (unit.files.length > 0) await ensureDir(join(outDir, unit.dir));
      for (const file of unit.files) await copyFile(join(shardDirs[i]!, file), join(outDir, file));
      units[key] = unit;
    }
  }
  const first = manifests[0]!;
  const created = manifests.map((m) => m.created_at).sort()[0] ?? first.created_at;
  const result: Manifest = { ...first, created_at: created, shard: null, units };
  await writeManifest(outDir, result);
  return result;
}
