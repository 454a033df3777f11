import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
import { nodeFs, writeFileAtomic, type AtomicWriteFs } from '../../../analysis/io/atomic-write.ts';
import { tempDir } from './fixtures.ts';

/** An fs whose write puts half the bytes on disk and then fails like a full disk. */
const diskFullAfterHalf: AtomicWriteFs = {
  ...nodeFs,
  async open(path, flags) {
    const handle = await nodeFs.open(path, flags);
    return {
      ...handle,
      async writeFile(data) {
        await handle.writeFile(
          typeof data === 'string' ? data.slice(0, data.length / 2) : data.subarray(0, data.length / 2),
        );
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
};

describe('writeFileAtomic', () => {
  it('writeFileAtomic(path, data) replaces the file and leaves no temp file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'manifest.json');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, new TextEncoder().encode('new'));
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['manifest.json']);
  });

  it('a failing write (ENOSPC) throws E_WRITE_FAILED naming the path and keeps the old file intact', async () => {
    const dir = await tempDir();
    const path = join(dir, 'routing.arrow');
    await writeFile(path, 'old contents');
    const error = await writeFileAtomic(path, 'x'.repeat(1000), diskFullAfterHalf).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_WRITE_FAILED');
    expect((error as AccLensError).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe('old contents');
    expect(await readdir(dir)).toEqual(['routing.arrow']);
  });

  it('a failing rename (EROFS) is E_WRITE_FAILED and creates no final file', async () => {
    const dir = await tempDir();
    const readOnly: AtomicWriteFs = {
      ...nodeFs,
      rename: async () => {
        throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
      },
    };
    await expect(writeFileAtomic(join(dir, 'a.arrow'), 'data', readOnly)).rejects.toMatchObject({
      code: 'E_WRITE_FAILED',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('other errors pass through unchanged', async () => {
    await expect(writeFileAtomic('/nonexistent-dir-acc-lens/x', 'data')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
