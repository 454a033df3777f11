import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { AccLensError } from '../../analysis/errors.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from '../unit/onnx/tiny-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-capture-pretok-'));

function probeFile(name: string, ids: number[]): string {
  const path = join(dir, `${name}.jsonl`);
  const probe = {
    schema: 'acc-lens.probe/1',
    id: name,
    family: 'mrcr',
    answer: 'x',
    source: 'test',
    metadata: {},
    input_ids: ids,
    segments: [
      { kind: 'evidence', label: 'e', turn: 0, token_start: 2, token_end: 8 },
      { kind: 'answer', label: 'answer', turn: 0, token_start: ids.length - 3, token_end: ids.length },
    ],
  };
  writeFileSync(path, `${JSON.stringify(probe)}\n`);
  return path;
}

describe('capture of pre-tokenized probes needs no tokenizer', () => {
  // TINY has 512 embedding rows; the default (Qwen3) tokenizer has 151,669 ids and was demanded before.
  const model = tempFile('tiny.onnx', buildQwen3MoeGraph(randomWeights(TINY, 1), { form: 'fused' }));

  it('a 512-row model captures pre-tokenized probes without --tokenizer; the manifest says no tokenizer', async () => {
    const out = join(dir, 'ok');
    const ids = Array.from({ length: 24 }, (_, t) => (t * 37) % 512);
    const s = await runCapture({ models: [{ name: 'm', path: model }], probes: probeFile('p', ids), out, ep: 'cpu' });
    expect(s.units).toMatchObject({ done: 1, skipped: 0 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { tokenizer: { id: string } };
    expect(manifest.tokenizer.id).toBe('none (pre-tokenized)');
  });

  it('an id outside the embedding is still E_TOKENIZER, naming the probe, the position and the rows', async () => {
    const ids = Array.from({ length: 24 }, (_, t) => (t === 5 ? 600 : t));
    const error = await runCapture({
      models: [{ name: 'm', path: model }],
      probes: probeFile('bad', ids),
      out: join(dir, 'bad'),
      ep: 'cpu',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_TOKENIZER');
    expect((error as AccLensError).message).toMatch(/probe bad: token 5 has id 600, outside .*embedding \(512 rows\)/);
  });
});
