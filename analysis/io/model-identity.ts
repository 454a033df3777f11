import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../schema/metadata.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { fileIdentity, identityKey } from './file-identity.ts';
import { hashFile } from './file-record.ts';
import { STATE_DIR } from './manifest.ts';
import { readJsonIfExists } from './read-json.ts';
import type { FileRecord } from '../schema/manifest.ts';

/** RUN/.acc-lens/data-hashes.json: the sha256 of each external data file, per file version. */
export const DATA_HASHES_FILE = `${STATE_DIR}/data-hashes.json`;
const CacheSchema = z.record(z.string(), z.object({ version: z.string(), sha256: z.string() }));

export interface ModelIdentityOptions {
  /** Said before a data file is hashed (it can take minutes: 292 MB/s measured). */
  onHash?: (file: string, bytes: number) => void;
  /** How a file is hashed (default: streamed sha256); tests count the calls. */
  hash?: (path: string) => Promise<FileRecord>;
}

/**
 * The sha256 a run records for a model: its .onnx file's own sha256 when the weights are inline, else
 * the sha256 of { onnx, data: [{ file, bytes, sha256 }] } over the external data files it reads — so
 * weights changed in place (same graph, same offsets) make it another model and a resume refuses to mix.
 * Data files are hashed once per file version (size, mtime, inode), cached in RUN/.acc-lens/data-hashes.json.
 * Example: `await modelIdentity(onnxSha, ['/m/model.onnx.data'], 'runs/x')`.
 */
export async function modelIdentity(
  onnxSha256: string,
  dataFiles: readonly string[],
  runDir: string,
  o: ModelIdentityOptions = {},
): Promise<string> {
  if (dataFiles.length === 0) return onnxSha256;
  const cachePath = join(runDir, DATA_HASHES_FILE);
  // A damaged cache is only a cache: the files are hashed again.
  const cache = (await readJsonIfExists(cachePath, CacheSchema).catch(() => null)) ?? {};
  const data: { file: string; bytes: number; sha256: string }[] = [];
  let changed = false;
  for (const file of dataFiles) {
    const id = await fileIdentity(file);
    const version = id === null ? 'missing' : identityKey(id);
    let sha256 = cache[file]?.version === version ? cache[file]!.sha256 : undefined;
    if (sha256 === undefined) {
      o.onHash?.(file, id?.size ?? 0);
      sha256 = (await (o.hash ?? hashFile)(file)).sha256;
      cache[file] = { version, sha256 };
      changed = true;
    }
    data.push({ file: basename(file), bytes: id?.size ?? 0, sha256 });
  }
  if (changed) await writeFileAtomic(cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  return createHash('sha256')
    .update(canonicalJson({ onnx: onnxSha256, data }))
    .digest('hex');
}
