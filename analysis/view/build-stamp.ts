import { createHash } from 'node:crypto';
import { z } from 'zod';
import { listSourceFiles, readSourceFile } from '../io/source-files.ts';

/** The stamp a viewer build leaves in its output folder (a dot-file, so the server never serves it). */
export const STAMP_FILE = '.acc-lens-build.json';

/**
 * What the bundle is built from, relative to the project root: the app, its build config, the
 * platform-neutral analysis code it imports, and the lockfile (dependency versions). Any other
 * project file the bundle pulls in is found in Vite's module graph and recorded in the stamp.
 */
export const VIEWER_INPUTS = [
  'viewer/src',
  'viewer/index.html',
  'viewer/vite.config.ts',
  'viewer/svelte.config.js',
  'analysis/schema',
  'analysis/metrics',
  'package-lock.json',
] as const;

export const StampSchema = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(z.string()),
  built_at: z.string(),
  vite_version: z.string(),
});
export type Stamp = z.infer<typeof StampSchema>;

/** One input: its path relative to the project root and its bytes (null: the file is gone). */
export interface SourceFile {
  path: string;
  bytes: Uint8Array | null;
}

/**
 * sha256 over paths and contents, in path order, so the same sources always give the same hash and
 * a renamed, edited, added or deleted file changes it. Example: `hashSources([{ path: 'a.ts', bytes }])`.
 */
export function hashSources(files: readonly SourceFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0`);
    if (file.bytes === null) hash.update('missing\0');
    else hash.update(`${file.bytes.byteLength}\0`).update(file.bytes);
  }
  return hash.digest('hex');
}

/** The input paths of a build: every file under VIEWER_INPUTS plus `extra` (recorded modules), sorted, unique. */
export async function inputPaths(projectRoot: string, extra: readonly string[] = []): Promise<string[]> {
  const listed = await Promise.all(VIEWER_INPUTS.map((p) => listSourceFiles(projectRoot, p)));
  return [...new Set([...listed.flat(), ...extra])].sort();
}

/** Reads and hashes the given inputs. */
export async function hashInputs(projectRoot: string, paths: readonly string[]): Promise<string> {
  const files = await Promise.all(
    paths.map(async (path) => ({ path, bytes: await readSourceFile(projectRoot, path) })),
  );
  return hashSources(files);
}

/** The stamp in `distDir`, or null when it is missing or unreadable. */
export async function readStamp(distDir: string): Promise<Stamp | null> {
  const bytes = await readSourceFile(distDir, STAMP_FILE);
  if (bytes === null) return null;
  try {
    const parsed = StampSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Why `distDir` must be (re)built, or null when it is current: no `index.html`, no valid stamp, or
 * sources whose hash differs from the stamp's (inputs now present plus those the stamp recorded).
 */
export async function staleReason(projectRoot: string, distDir: string): Promise<string | null> {
  if ((await readSourceFile(distDir, 'index.html')) === null) return 'it is not built yet';
  // A copy without the viewer's sources (a packed release) serves its dist as it is: nothing to rebuild from.
  if ((await listSourceFiles(projectRoot, 'viewer/src')).length === 0) return null;
  const stamp = await readStamp(distDir);
  if (stamp === null) return 'no build stamp: it was built outside acc-lens';
  const paths = await inputPaths(projectRoot, stamp.files);
  if ((await hashInputs(projectRoot, paths)) !== stamp.hash) return 'its sources changed since the last build';
  return null;
}
