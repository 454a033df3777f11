import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { fileSha256 } from '../../analysis/io/local-files.ts';
import { importHfCheckpoint } from '../../analysis/io/model-import.ts';
import { probeLine } from '../pretokenized-probe.ts';
import { checkpoint, removeTempDirs, SMALL, tempDir } from './hf-fixture.ts';

/**
 * A model with external data is identified by its weights too: an import's .onnx.data rewritten in place
 * (same size, same graph, so the .onnx bytes are unchanged) is another model, and a resume refuses to mix.
 */
afterAll(removeTempDirs);

const snapshot = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('.acc-lens'))
    .map((e) => [join(e.parentPath, e.name), statSync(join(e.parentPath, e.name)).mtimeMs] as const)
    .sort();

describe('capture of a model with external data', () => {
  it('records an identity over .onnx + data; changed weights under the same .onnx are refused on resume, nothing changed', async () => {
    const { dir } = checkpoint({}, { dtype: 'F32' }, 21);
    const model = join(tempDir('ext-model'), 'm');
    await importHfCheckpoint(dir, model, { forms: ['fused'], dtype: 'float32' });
    const onnx = join(model, 'model.fused.onnx');
    const probes = join(tempDir('ext-probes'), 'p.jsonl');
    const ids = Array.from({ length: 40 }, (_, t) => (t * 37 + 3) % SMALL.vocab_size);
    writeFileSync(probes, `${probeLine('p0', ids, { evidence: [2, 8], answer: [34, 40] })}\n`);
    const out = join(tempDir('ext-run'), 'run');
    const notices: string[] = [];
    const first = await runCapture({
      models: [{ name: 'm', path: onnx }],
      probes,
      out,
      ep: 'cpu',
      onNotice: (l) => notices.push(l),
    });
    expect(first.units.done).toBe(1);
    const recorded = first.manifest.models.m!.sha256;
    expect(recorded).not.toBe(await fileSha256(onnx));
    expect(notices.some((l) => /m: hashing .*model\.fused\.onnx\.data/.test(l))).toBe(true);

    // The same weights again: the resume keeps the unit (no rehash: the data file's version is cached).
    notices.length = 0;
    const again = await runCapture({
      models: [{ name: 'm', path: onnx }],
      probes,
      out,
      ep: 'cpu',
      onNotice: (l) => notices.push(l),
    });
    expect(again.units).toMatchObject({ done: 0, resumed: 1 });
    expect(notices.filter((l) => l.includes('hashing'))).toEqual([]);

    const data = `${onnx}.data`;
    const bytes = readFileSync(data);
    const onnxBefore = await fileSha256(onnx);
    bytes.writeFloatLE(bytes.readFloatLE(4096) + 1, 4096);
    writeFileSync(data, bytes);
    expect(await fileSha256(onnx)).toBe(onnxBefore);
    const before = snapshot(out);
    await expect(runCapture({ models: [{ name: 'm', path: onnx }], probes, out, ep: 'cpu' })).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringContaining('models.m.sha256'),
    });
    expect(snapshot(out)).toEqual(before);
  }, 120_000);
});
