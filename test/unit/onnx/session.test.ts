import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openModel } from '../../../analysis/capture/session.ts';
import { readContract } from '../../../analysis/capture/session-contract.ts';
import { readMetadataProps } from '../../../analysis/capture/session-metadata.ts';
import { AccLensError, type ErrorCode } from '../../../analysis/errors.ts';
import { GraphBuilder } from '../../../analysis/onnx/graph-builder.ts';
import { buildQwen3MoeGraph } from '../../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from './tiny-model.ts';

async function codeOf(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AccLensError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an AccLensError');
}

const model = buildQwen3MoeGraph(randomWeights(TINY, 4), { form: 'fused' });

/** A decoder-shaped graph whose only float output is named `out` instead of `logits`. */
function withoutLogits(): Uint8Array {
  const g = new GraphBuilder('no_logits');
  g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.input('attention_mask', 'int64', ['batch', 'total_sequence']);
  g.input('past_key_values.0.key', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.input('past_key_values.0.value', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.node('Identity', ['past_key_values.0.key'], { name: 'k', outputs: ['present.0.key'] });
  g.node('Identity', ['past_key_values.0.value'], { name: 'v', outputs: ['present.0.value'] });
  g.node('Cast', ['input_ids'], { name: 'c', outputs: ['out'], attrs: { to: { i: 1 } } });
  g.output('out', 'float32', ['batch', 'sequence']);
  g.output('present.0.key', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.output('present.0.value', 'float32', ['batch', 2, 'past_sequence', 16]);
  return g.encode({ opsets: { '': 17 } });
}

describe('openModel errors', () => {
  it('a missing file gives E_FILE_NOT_FOUND naming the path', async () => {
    const r = await codeOf(openModel('/nonexistent/dir/model.onnx', { ep: 'cpu' }));
    expect(r.code).toBe('E_FILE_NOT_FOUND');
    expect(r.message).toContain('/nonexistent/dir/model.onnx');
  });

  it('garbage bytes give E_ONNX_INVALID naming the path and what ORT said', async () => {
    const p = tempFile('garbage.onnx', new TextEncoder().encode('this is not a protobuf model at all \u0000\u00ff'));
    const r = await codeOf(openModel(p, { ep: 'cpu' }));
    expect(r.code).toBe('E_ONNX_INVALID');
    expect(r.message).toContain(p);
    expect(r.message).toMatch(/protobuf|parse|load/i);
  });

  it('an empty file gives E_ONNX_INVALID', async () => {
    expect((await codeOf(openModel(tempFile('empty.onnx', new Uint8Array(0)), { ep: 'cpu' }))).code).toBe(
      'E_ONNX_INVALID',
    );
  });

  it('a truncated model gives E_ONNX_INVALID', async () => {
    const p = tempFile('truncated.onnx', model.subarray(0, Math.floor(model.length * 0.6)));
    const r = await codeOf(openModel(p, { ep: 'cpu' }));
    expect(r.code).toBe('E_ONNX_INVALID');
    expect(r.message).toContain(p);
  });

  it('a model without logits gives E_ONNX_CONTRACT naming the missing output', async () => {
    const r = await codeOf(openModel(tempFile('no-logits.onnx', withoutLogits()), { ep: 'cpu' }));
    expect(r.code).toBe('E_ONNX_CONTRACT');
    expect(r.message).toContain('output logits');
  });
});

describe('readContract', () => {
  const shape = ['batch', 2, 'past_sequence', 16];
  const io = (names: string[]) => names.map((name) => ({ name, shape }));
  it('names every missing input and output', () => {
    const run = () =>
      readContract(
        'm.onnx',
        io(['input_ids', 'past_key_values.0.key', 'past_key_values.1.key', 'past_key_values.1.value']),
        io(['present.0.key']),
      );
    expect(run).toThrow(
      /input attention_mask.*output logits.*input past_key_values\.0\.value.*output present\.0\.value/,
    );
  });
  it('falls back to acc_lens.config when the cache dims are symbolic', () => {
    const sym = ['input_ids', 'attention_mask', 'past_key_values.0.key', 'past_key_values.0.value'].map((name) => ({
      name,
      shape: ['b', 'h', 'p', 'd'],
    }));
    const meta = {
      'acc_lens.config': JSON.stringify({ num_key_value_heads: 4, head_dim: 128, max_position_embeddings: 40960 }),
    };
    const c = readContract('m.onnx', sym, io(['logits', 'present.0.key', 'present.0.value']), meta);
    expect(c).toMatchObject({ kvHeads: 4, headDim: 128, maxPositions: 40960 });
    expect(() => readContract('m.onnx', sym, io(['logits', 'present.0.key', 'present.0.value']))).toThrow(
      /must be fixed numbers/,
    );
  });
  it('reads layers, KV heads and head_dim from the cache inputs', () => {
    const names = ['input_ids', 'attention_mask', 'past_key_values.0.key', 'past_key_values.0.value'];
    const c = readContract('m.onnx', io(names), [
      { name: 'logits', shape: ['batch', 'sequence', 99] },
      ...io(['present.0.key', 'present.0.value']),
    ]);
    expect(c).toMatchObject({ layers: 1, kvHeads: 2, headDim: 16, vocab: 99, hasPositionIds: false });
  });
  it('rejects inputs it cannot feed', () => {
    const names = [
      'input_ids',
      'attention_mask',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'num_logits_to_keep',
    ];
    expect(() => readContract('m.onnx', io(names), io(['logits', 'present.0.key', 'present.0.value']))).toThrow(
      /num_logits_to_keep/,
    );
  });
});

describe('execution providers', () => {
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const hasCuda = existsSync(join(ortDir, 'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'));
  const p = tempFile('model.onnx', model);

  it.skipIf(hasCuda)("ep 'auto' without CUDA libraries runs on CPU after exactly one notice line", async () => {
    const lines: string[] = [];
    const m = await openModel(p, { ep: 'auto', notice: (l) => lines.push(l) });
    expect(m.ep).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^acc-lens: CUDA execution provider unavailable \(.+\); running on CPU\. Install it with: npm run install:cuda$/,
    );
    await m.close();
  });

  it.skipIf(hasCuda)("ep 'cuda' without CUDA libraries gives E_EP_UNAVAILABLE", async () => {
    expect((await codeOf(openModel(p, { ep: 'cuda' }))).code).toBe('E_EP_UNAVAILABLE');
  });

  it("ep 'cpu' prints nothing and reports cpu", async () => {
    const lines: string[] = [];
    const m = await openModel(p, { ep: 'cpu', threads: 1, enableCpuMemArena: false, notice: (l) => lines.push(l) });
    expect([m.ep, lines.length]).toEqual(['cpu', 0]);
    await m.close();
  });
});

describe('prefill arguments', () => {
  it('rejects a bad chunk size, unknown fetches and prompts past max_position_embeddings', async () => {
    const m = await openModel(tempFile('model.onnx', model), { ep: 'cpu' });
    expect(m.contract.metadata['acc_lens.form']).toBe('fused');
    expect(m.contract.maxPositions).toBe(TINY.max_position_embeddings);
    expect((await codeOf(m.prefill([1, 2], { chunkSize: 0 }))).code).toBe('E_USAGE');
    expect((await codeOf(m.prefill([1, 2], { chunkSize: 2, fetch: ['attn_probs.0'] }))).code).toBe('E_ONNX_CONTRACT');
    const long = new Array<number>(TINY.max_position_embeddings + 1).fill(3);
    expect((await codeOf(m.prefill(long, { chunkSize: 64 }))).code).toBe('E_CONTEXT_TOO_LONG');
    await m.close();
  });
});

describe('readMetadataProps', () => {
  it('reads metadata_props without loading the graph, and {} for garbage', () => {
    expect(readMetadataProps(tempFile('m.onnx', model))).toEqual({
      'acc_lens.config': JSON.stringify(TINY),
      'acc_lens.form': 'fused',
    });
    expect(readMetadataProps(tempFile('g.onnx', new TextEncoder().encode('\u00ff\u00ff garbage')))).toEqual({});
  });
});
