import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesReporter, formatBytesProgress } from '../../../analysis/cli/byte-progress.ts';
import { modelsCommand } from '../../../analysis/cli/commands/models.ts';
import { checkpoint, removeTempDirs, tempDir } from '../../integration/hf-fixture.ts';

const { onnx } = onnxProto;
// Each spawn pays tsx start-up (seconds on 2 busy cores): only exit statuses and stream output go through a child.
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/acc-lens.js', 'models', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });

afterAll(removeTempDirs);
describe('acc-lens models (CLI)', () => {
  it('--help documents build, import and verify', () => {
    for (const s of [
      'models build',
      'models import HF_DIR --out DIR',
      '--form fused|unfused|both',
      '--dtype fp32|fp16',
      'models verify DIR',
    ])
      expect(modelsCommand.help).toContain(s);
  });

  it('usage errors are coded: import without --out, a bad --form, --dtype, --layers or subcommand', async () => {
    const cases = [
      ['import', 'x'],
      ['import', 'x', '--out', 'y', '--form', 'sparse'],
      ['build', '--dtype', 'bf16'],
      ['verify', 'x', '--layers', '0'],
      ['convert'],
    ];
    for (const a of cases) await expect(modelsCommand.run(a), a.join(' ')).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('a checkpoint folder that does not exist: E_FILE_NOT_FOUND, nothing written', async () => {
    const out = join(tempDir('cli'), 'm');
    await expect(modelsCommand.run(['import', 'test/fixtures/does-not-exist', '--out', out])).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
      message: expect.stringMatching(/checkpoint folder not found/),
    });
    expect(existsSync(out)).toBe(false);
  });

  it('import → verify: exit 0, progress on stderr, a summary with GB/s, "ok" from verify', () => {
    const { dir } = checkpoint({ num_hidden_layers: 2 }, { dtype: 'BF16', shards: 2 });
    const out = join(tempDir('cli'), 'model');
    const r = cli('import', dir, '--out', out, '--form', 'fused');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/100%.*GB\/s.*model\.fused\.onnx/);
    expect(r.stdout).toMatch(/imported .* BF16 weights → .* float32 in .* s \(.* GB\/s\)/);
    const v = cli('verify', out);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/fused +max \|logit − oracle\| \d\.\d+e-\d/);
    expect(v.stdout).toMatch(/^ok: logits within 0\.001, routing identical$/m);
  });

  it('build --dtype fp16 writes float16 graphs of the pair into the folder given', () => {
    const out = tempDir('pair16');
    const r = cli('build', '--dtype', 'fp16', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(out, 'build-info.json'), 'utf8')) as { dtype: string };
    expect(info.dtype).toBe('float16');
    const m = onnx.ModelProto.decode(readFileSync(join(out, 'tuned.fused.onnx')));
    const embed = m.graph!.initializer!.find((t) => t.name === 'model.embed_tokens.weight')!;
    expect(embed.dataType).toBe(onnx.TensorProto.DataType.FLOAT16);
  }, 120_000);
});

describe('bytesReporter', () => {
  it('formats bytes, rate and ETA (MB below 1 GB)', () => {
    expect(formatBytesProgress({ file: 'model.fused.onnx', written: 3.21e9, total: 61.07e9, seconds: 4 })).toBe(
      '3.21/61.07 GB  0.80 GB/s  ETA 1:12  model.fused.onnx',
    );
    expect(formatBytesProgress({ file: 'm', written: 5e6, total: 2e7, seconds: 0 })).toBe(
      '5.0/20.0 MB  0.00 GB/s  ETA --:--  m',
    );
  });
  it('off a terminal: one line per 10 %, no redraws', () => {
    const lines: string[] = [];
    const r = bytesReporter(false, (s) => lines.push(s));
    for (let b = 0; b <= 100; b += 1) r({ file: 'f', written: b, total: 100, seconds: b / 10 });
    r.end();
    expect(lines).toHaveLength(11);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});
