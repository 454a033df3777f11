import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashSources, readStamp, STAMP_FILE, staleReason } from '../../../analysis/view/build-stamp.ts';
import {
  buildViewer,
  ensureViewerBuilt,
  projectModules,
  type ViewerBuilder,
} from '../../../analysis/view/viewer-build.ts';
import { tempDir } from './fixtures.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** A project tree with the viewer's inputs, plus a module outside the listed folders (analysis/version.ts). */
async function project(): Promise<string> {
  const root = await tempDir('acc-lens-stamp-');
  const files: Record<string, string> = {
    'viewer/src/main.ts': "import './App.svelte';",
    'viewer/src/App.svelte': '<p>hi</p>',
    'viewer/src/w.ts': 'self.onmessage = () => {};',
    'viewer/index.html': '<script src="./src/main.ts"></script>',
    'viewer/vite.config.ts': 'export default {};',
    'analysis/schema/probes.ts': 'export const P = 1;',
    'analysis/version.ts': "export const TOOL_VERSION = '0.1.0';",
    'package-lock.json': '{}',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** Stands in for Vite: writes index.html and reports the module ids Vite would, counting its calls. */
function fakeBuilder(): ViewerBuilder & { calls: number } {
  const builder = Object.assign(
    async (root: string, dist: string) => {
      builder.calls++;
      await mkdir(dist, { recursive: true });
      await writeFile(join(dist, 'index.html'), '<!doctype html>');
      const moduleIds = [
        '\0vite/modulepreload-polyfill.js',
        `${root}/viewer/src/main.ts`,
        `${root}/analysis/version.ts`,
      ];
      return {
        moduleIds: [...moduleIds, `${root}/node_modules/svelte/index.js`, `${root}/viewer/src/w.ts?worker`],
        version: '8.3.8',
      };
    },
    { calls: 0 },
  );
  return builder;
}

describe('hashSources', () => {
  it('is the same for the same files in any order and changes with a byte, a name or a deletion', () => {
    const a = { path: 'viewer/src/a.ts', bytes: enc('x') };
    const b = { path: 'viewer/src/b.ts', bytes: enc('y') };
    expect(hashSources([a, b])).toBe(hashSources([b, a]));
    expect(hashSources([a, b])).not.toBe(hashSources([a, { ...b, bytes: enc('z') }]));
    expect(hashSources([a, b])).not.toBe(hashSources([a, { ...b, path: 'viewer/src/c.ts' }]));
    expect(hashSources([a, b])).not.toBe(hashSources([a, { ...b, bytes: null }]));
    // Length-prefixed contents: moving a byte from one file to the next is a change.
    expect(hashSources([a, b])).not.toBe(
      hashSources([
        { ...a, bytes: enc('xy') },
        { ...b, bytes: enc('') },
      ]),
    );
  });
});

describe('projectModules', () => {
  it('keeps project files, drops virtual ids, queries, node_modules and files outside the root', () => {
    expect(
      projectModules('/r', [
        '\0vite/x',
        '/r/viewer/src/main.ts?v=1',
        '/r/node_modules/d3/a.js',
        '/elsewhere/x.ts',
        '/r/analysis/version.ts',
      ]),
    ).toEqual(['analysis/version.ts', 'viewer/src/main.ts']);
  });
});

describe('the viewer build stamp', () => {
  it('staleReason: not built → built (fresh) → a source edit, an added file or a recorded module edit makes it stale', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    expect(await staleReason(root, dist)).toBe('it is not built yet');
    await buildViewer(root, dist, fakeBuilder());
    expect(await staleReason(root, dist)).toBeNull();

    await writeFile(join(root, 'viewer/src/App.svelte'), '<p>hello</p>');
    expect(await staleReason(root, dist)).toBe('its sources changed since the last build');
    await buildViewer(root, dist, fakeBuilder());
    expect(await staleReason(root, dist)).toBeNull();

    await writeFile(join(root, 'viewer/src/new-view.ts'), 'export {};');
    expect(await staleReason(root, dist)).not.toBeNull();
    await buildViewer(root, dist, fakeBuilder());

    // analysis/version.ts is in no listed folder; the stamp knows it from the module graph.
    await writeFile(join(root, 'analysis/version.ts'), "export const TOOL_VERSION = '0.2.0';");
    expect(await staleReason(root, dist)).not.toBeNull();
    await buildViewer(root, dist, fakeBuilder());
    await rm(join(root, 'analysis/version.ts'));
    expect(await staleReason(root, dist)).not.toBeNull();
  });

  it('the stamp records the inputs: listed folders plus project modules, not dependencies or virtual ids', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    await buildViewer(root, dist, fakeBuilder());
    const stamp = await readStamp(dist);
    expect(stamp?.files).toEqual([
      'analysis/schema/probes.ts',
      'analysis/version.ts',
      'package-lock.json',
      'viewer/index.html',
      'viewer/src/App.svelte',
      'viewer/src/main.ts',
      'viewer/src/w.ts',
      'viewer/vite.config.ts',
    ]);
    expect(stamp?.vite_version).toBe('8.3.8');
  });

  it('a dist without a stamp (built by hand) or with a corrupt stamp is stale', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    await buildViewer(root, dist, fakeBuilder());
    await writeFile(join(dist, STAMP_FILE), '{"hash": 1');
    expect(await staleReason(root, dist)).toContain('stamp');
    await rm(join(dist, STAMP_FILE));
    expect(await staleReason(root, dist)).toContain('stamp');
  });

  it('ensureViewerBuilt builds once with a one-line notice, then not again until a source hash changes', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    const builder = fakeBuilder();
    let notice = '';
    const ensure = () => ensureViewerBuilt({ projectRoot: root, distDir: dist, builder, write: (s) => (notice += s) });
    expect(await ensure()).toBe(true);
    expect(notice).toMatch(/^Building the viewer into .*\(it is not built yet\)… done in \d+\.\d s\n$/);
    expect(await ensure()).toBe(false);
    expect(builder.calls).toBe(1);
    await writeFile(join(root, 'analysis/schema/probes.ts'), 'export const P = 2;');
    expect(await ensure()).toBe(true);
    expect(builder.calls).toBe(2);
    expect(notice.trim().split('\n')).toHaveLength(2);
  });

  it("a failing build is E_VIEWER_BUILD with Vite's message; a read-only dist is E_WRITE_FAILED", async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    const throwing =
      (error: Error): ViewerBuilder =>
      async () =>
        Promise.reject(error);
    const ensure = (builder: ViewerBuilder) =>
      ensureViewerBuilt({ projectRoot: root, distDir: dist, builder, write: () => {} });
    await expect(ensure(throwing(new Error('Could not resolve ./views/X.svelte')))).rejects.toMatchObject({
      code: 'E_VIEWER_BUILD',
      message: expect.stringContaining('Could not resolve ./views/X.svelte'),
    });
    await expect(ensure(throwing(Object.assign(new Error('read-only'), { code: 'EROFS' })))).rejects.toMatchObject({
      code: 'E_WRITE_FAILED',
    });
    expect(await staleReason(root, dist)).toBe('it is not built yet');
  });

  it('a source edited while the build runs leaves no stamp, so the next start builds again', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    const inner = fakeBuilder();
    const editing: ViewerBuilder = async (r, d) => {
      const result = await inner(r, d);
      await writeFile(join(root, 'viewer/src/App.svelte'), '<p>edited mid-build</p>');
      return result;
    };
    const { stamp } = await buildViewer(root, dist, editing);
    expect(stamp).toBeNull();
    expect(await staleReason(root, dist)).not.toBeNull();
  });

  it('a copy without viewer sources serves its dist as it is', async () => {
    const root = await project();
    const dist = join(root, 'viewer', 'dist');
    await buildViewer(root, dist, fakeBuilder());
    await rm(join(root, 'viewer', 'src'), { recursive: true });
    await rm(join(dist, STAMP_FILE));
    expect(await staleReason(root, dist)).toBeNull();
    expect(await readFile(join(dist, 'index.html'), 'utf8')).toBe('<!doctype html>');
  });
});
