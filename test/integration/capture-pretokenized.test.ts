import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeLine } from '../pretokenized-probe.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from '../unit/onnx/tiny-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-capture-pretok-'));

function probeFile(name: string, ids: number[]): string {
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, `${probeLine(name, ids, { evidence: [2, 8], answer: [ids.length - 3, ids.length] })}\n`);
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

  it('an id outside the embedding skips that probe with the reason (position, id, rows); the others run', async () => {
    const out = join(dir, 'bad');
    const good = Array.from({ length: 24 }, (_, t) => t);
    const bad = good.map((id, t) => (t === 5 ? 600 : id));
    const probes = join(dir, 'mixed.jsonl');
    writeFileSync(
      probes,
      `${readFileSync(probeFile('good', good), 'utf8').trim()}\n${readFileSync(probeFile('bad', bad), 'utf8').trim()}\n`,
    );
    const s = await runCapture({ models: [{ name: 'm', path: model }], probes, out, ep: 'cpu' });
    expect(s.units).toMatchObject({ done: 1, skipped: 1 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      units: Record<string, { probe_id: string; status: string; reason?: string }>;
    };
    const skipped = Object.values(manifest.units).filter((u) => u.status === 'skipped');
    expect(skipped.map((u) => u.probe_id)).toEqual(['bad']);
    expect(skipped[0]!.reason).toMatch(/token 5 has id 600, outside the model's embedding \(512 rows\)/);
  });
});
