import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeLine } from '../pretokenized-probe.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { openRun, readTable } from '../../analysis/io/index.ts';
import { readImportInfo } from '../../analysis/io/model-import.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import { lazyCheckpoint, SMALL, tempDir } from './hf-fixture.ts';

/**
 * ≈ 2.66 GB of float32 weights (151,936-token vocabulary, untied head, 8 layers × 64 experts), random and
 * never in memory: the import runs in a child process whose peak RSS must stay far below that.
 */
const LARGE: Qwen3MoeConfig = {
  ...SMALL,
  vocab_size: 151_936,
  hidden_size: 512,
  num_hidden_layers: 8,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  head_dim: 64,
  num_experts: 64,
  num_experts_per_tok: 4,
  moe_intermediate_size: 640,
  max_position_embeddings: 4096,
};

const root = tempDir('import-large');
const out = join(root, 'model');
let ckpt = '';
let child: { maxRssBytes: number; seconds: number; written: number } | undefined;

beforeAll(() => {
  ckpt = lazyCheckpoint(LARGE, { dtype: 'F32', shards: 3 }, 11, root);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/integration/import-child.ts', ckpt, out, 'fused', 'fp32'],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  child = JSON.parse(r.stdout.trim().split('\n').pop()!) as typeof child;
}, 600_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importing a multi-GB checkpoint', () => {
  it('streams: peak RSS of the importing process stays far below the checkpoint size', () => {
    const info = readImportInfo(out)!;
    expect(info.source.bytes).toBeGreaterThan(2.5e9);
    expect(statSync(join(out, 'model.fused.onnx.data')).size).toBeGreaterThan(2.5e9); // over the 2 GiB protobuf limit
    expect(statSync(join(out, 'model.fused.onnx')).size).toBeLessThan(1e6);
    process.stderr.write(
      `import of ${(info.source.bytes / 1e9).toFixed(2)} GB: peak RSS ${(child!.maxRssBytes / 1e6).toFixed(0)} MB, ${child!.seconds.toFixed(1)} s\n`,
    );
    expect(child!.maxRssBytes).toBeLessThan(0.2 * info.source.bytes);
  });

  it('the written model runs through capture (external data, chunked prefill, routing and attention captured)', async () => {
    const probes = join(root, 'probes.jsonl');
    const n = 300;
    const rows = [0, 1].map((i) =>
      probeLine(
        `p${i}`,
        Array.from({ length: n }, (_, t) => 1000 + ((t * 7919 + i * 104_729) % 150_000)),
        { evidence: [10, 40], question: [n - 20, n - 6], answer: [n - 6, n] },
      ),
    );
    writeFileSync(probes, `${rows.join('\n')}\n`);
    const run = join(root, 'run');
    const s = await runCapture({
      models: [{ name: 'big', path: join(out, 'model.fused.onnx') }],
      probes,
      out: run,
      ep: 'cpu',
    });
    expect(s.units).toMatchObject({ done: 2, total: 2 });
    const routing = await readTable(await openRun(run), 'routing');
    expect(routing.numRows).toBeGreaterThan(0);
    const layers = new Set(Array.from(routing.getChild('layer')!.toArray() as ArrayLike<number>, Number));
    expect(layers.size).toBe(LARGE.num_hidden_layers);
    const segments = await readTable(await openRun(run), 'attention_segments');
    expect(segments.numRows).toBeGreaterThan(0);
  }, 600_000);
});
