import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccLensError } from '../errors.ts';
import { writeFailure, writeFileAtomic } from '../io/atomic-write.ts';
import { hashInputs, inputPaths, STAMP_FILE, staleReason, type Stamp } from './build-stamp.ts';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEFAULT_DIST_DIR = join(PROJECT_ROOT, 'viewer', 'dist');

/** Builds the bundle into `distDir`; returns the bundle's module ids as Vite reports them, and Vite's version. */
export type ViewerBuilder = (projectRoot: string, distDir: string) => Promise<{ moduleIds: string[]; version: string }>;

/** The production build through Vite's JS API with `viewer/vite.config.ts`, output redirected to `distDir`. */
export const viteBuild: ViewerBuilder = async (projectRoot, distDir) => {
  // Loaded on demand: the other commands should not pay for importing Vite.
  const vite = await import('vite');
  const output = await vite.build({
    configFile: join(projectRoot, 'viewer', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: distDir, emptyOutDir: true },
  });
  const outputs = Array.isArray(output) ? output : [output];
  const moduleIds = outputs.flatMap((o) =>
    'output' in o ? o.output.flatMap((c) => (c.type === 'chunk' ? c.moduleIds : [])) : [],
  );
  return { moduleIds, version: vite.version };
};

/**
 * The project files among a bundle's module ids, relative to the root with `/`: virtual modules
 * (`\0…`), query suffixes (`?worker`) and dependencies under `node_modules` are dropped.
 * Example: `projectModules('/r', ['/r/viewer/src/main.ts?x', '\0vite/x', '/r/node_modules/d3/a.js'])` → `['viewer/src/main.ts']`.
 */
export function projectModules(projectRoot: string, moduleIds: readonly string[]): string[] {
  const files = new Set<string>();
  for (const id of moduleIds) {
    if (id.startsWith('\0')) continue;
    const path = id.split('?', 1)[0] ?? '';
    if (!isAbsolute(path)) continue;
    const rel = relative(projectRoot, path);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) continue;
    files.add(rel.split(sep).join('/'));
  }
  return [...files].sort();
}

/**
 * Builds the viewer and writes its stamp (the hash of every input). A source edited while the build
 * ran leaves no stamp, so the next `acc-lens view` builds again instead of serving a stale bundle.
 */
export async function buildViewer(
  projectRoot = PROJECT_ROOT,
  distDir = DEFAULT_DIST_DIR,
  builder: ViewerBuilder = viteBuild,
): Promise<{ seconds: number; stamp: Stamp | null }> {
  const started = performance.now();
  const listedBefore = await inputPaths(projectRoot);
  const before = await hashInputs(projectRoot, listedBefore);
  const { moduleIds, version } = await builder(projectRoot, distDir);
  const seconds = (performance.now() - started) / 1000;
  if ((await hashInputs(projectRoot, await inputPaths(projectRoot))) !== before) return { seconds, stamp: null };
  const files = await inputPaths(projectRoot, projectModules(projectRoot, moduleIds));
  const stamp: Stamp = {
    hash: await hashInputs(projectRoot, files),
    files,
    built_at: new Date().toISOString(),
    vite_version: version,
  };
  await writeFileAtomic(join(distDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
  return { seconds, stamp };
}

export interface EnsureOptions {
  projectRoot?: string;
  distDir?: string;
  builder?: ViewerBuilder;
  /** Writes notice text as is (no newline added), so the notice can stay on one line. */
  write?: (text: string) => void;
}

/**
 * Makes sure `viewer/dist` holds a build of the current sources: builds it (one-line notice) when it
 * is missing or stale, otherwise does nothing. Returns whether it built.
 * Example: `await ensureViewerBuilt({ write: (s) => process.stderr.write(s) })`.
 */
export async function ensureViewerBuilt(options: EnsureOptions = {}): Promise<boolean> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const reason = await staleReason(projectRoot, distDir);
  if (reason === null) return false;
  write(`Building the viewer into ${relative(process.cwd(), distDir) || distDir} (${reason})…`);
  try {
    const { seconds, stamp } = await buildViewer(projectRoot, distDir, options.builder);
    write(
      ` done in ${seconds.toFixed(1)} s${stamp === null ? ' (sources changed meanwhile; the next start rebuilds)' : ''}\n`,
    );
  } catch (error) {
    write(' failed\n');
    const failure = writeFailure(error, distDir);
    if (failure instanceof AccLensError) throw failure;
    throw new AccLensError('E_VIEWER_BUILD', `the viewer could not be built: ${(error as Error).message}`);
  }
  return true;
}
