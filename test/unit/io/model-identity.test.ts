import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../../analysis/io/file-record.ts';
import { DATA_HASHES_FILE, modelIdentity } from '../../../analysis/io/model-identity.ts';
import { tempDir } from './fixtures.ts';

const ONNX_SHA = 'a'.repeat(64);

async function setup() {
  const run = await tempDir();
  await mkdir(join(run, '.acc-lens'), { recursive: true });
  const data = join(await tempDir(), 'model.onnx.data');
  await writeFile(data, Buffer.alloc(4096, 7));
  const calls: string[] = [];
  const hash = (path: string) => {
    calls.push(path);
    return hashFile(path);
  };
  return { run, data, calls, hash };
}

describe('modelIdentity', () => {
  it('is the .onnx sha256 itself for a model with inline weights (runs of such models keep their identity)', async () => {
    expect(await modelIdentity(ONNX_SHA, [], await tempDir())).toBe(ONNX_SHA);
  });

  it('covers the external data: weights changed in place (same size, same graph) give another identity', async () => {
    const { run, data, hash } = await setup();
    const before = await modelIdentity(ONNX_SHA, [data], run, { hash });
    expect(before).not.toBe(ONNX_SHA);
    const bytes = await readFile(data);
    bytes[100] = 8;
    await writeFile(data, bytes);
    const after = await modelIdentity(ONNX_SHA, [data], run, { hash });
    expect(after).not.toBe(before);
    expect(after).toHaveLength(64);
  });

  it('hashes a data file once per version: an unchanged file is read from the cache, a touched one hashed again', async () => {
    const { run, data, calls, hash } = await setup();
    const first = await modelIdentity(ONNX_SHA, [data], run, { hash });
    expect(await modelIdentity(ONNX_SHA, [data], run, { hash })).toBe(first);
    expect(calls).toHaveLength(1);
    await utimes(data, new Date(), new Date(Date.now() + 5000));
    expect(await modelIdentity(ONNX_SHA, [data], run, { hash })).toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('a damaged cache file is ignored, not trusted and not an error', async () => {
    const { run, data, calls, hash } = await setup();
    const first = await modelIdentity(ONNX_SHA, [data], run, { hash });
    await writeFile(join(run, DATA_HASHES_FILE), '{ not json');
    expect(await modelIdentity(ONNX_SHA, [data], run, { hash })).toBe(first);
    expect(calls).toHaveLength(2);
  });
});
