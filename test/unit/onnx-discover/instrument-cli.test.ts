import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFile } from '../onnx/tiny-model.ts';
import { mha, run } from './fixtures.ts';
import { float16Mirror } from './float16-mirror.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/acc-lens.js');

describe('acc-lens instrument on a float16 MultiHeadAttention graph', () => {
  it('writes the copy into the current folder (not next to the model), reports dtypes, and the copy loads', async () => {
    const fixture = float16Mirror(mha());
    const model = tempFile('mha16.onnx', fixture.bytes);
    const cwd = mkdtempSync(join(tmpdir(), 'acc-lens-instrument-cwd-'));
    const r = spawnSync(process.execPath, [BIN, 'instrument', model, '--json'], { cwd, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      out: string;
      tensors: { name: string; elementType: string; sourceElementType?: string }[];
    };
    expect(out.out).toBe(join(cwd, 'mha16.instrumented.onnx'));
    expect(existsSync(join(dirname(model), 'mha16.instrumented.onnx'))).toBe(false);
    expect(out.tensors).toEqual([
      expect.objectContaining({ name: 'acc_lens.attn_probs.0', elementType: 'float32', sourceElementType: 'float16' }),
    ]);
    const outputs = await run(readFileSync(out.out), fixture.feeds);
    expect(outputs['acc_lens.attn_probs.0']!.type).toBe('float32');
  });
});
