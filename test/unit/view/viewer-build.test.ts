import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStamp } from '../../../analysis/view/build-stamp.ts';
import { buildViewer, PROJECT_ROOT } from '../../../analysis/view/viewer-build.ts';
import { tempDir } from './fixtures.ts';

describe('buildViewer with Vite (one real build, into a temporary folder)', () => {
  it('writes index.html, the assets and a stamp listing the bundle’s project modules', async () => {
    const dist = join(await tempDir('acc-lens-dist-'), 'dist');
    const { stamp } = await buildViewer(PROJECT_ROOT, dist);
    expect(existsSync(join(dist, 'index.html'))).toBe(true);
    // The stamp is left out only when a source changed during the build (someone editing the viewer).
    if (stamp === null) return;
    expect(await readStamp(dist)).toEqual(stamp);
    expect(stamp.files).toContain('viewer/src/main.ts');
    expect(stamp.files).toContain('viewer/index.html');
    expect(stamp.files.some((f) => f.includes('node_modules'))).toBe(false);
  }, 120_000);
});
