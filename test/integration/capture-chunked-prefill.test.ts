import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeLine } from '../pretokenized-probe.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { AccLensError } from '../../analysis/errors.ts';
import { onnx, type AttributeProto, type NodeProto } from '../../analysis/onnx/read-model.ts';
import { int64Tensor } from '../../analysis/onnx/tensor-proto.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from '../unit/onnx/tiny-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-chunked-'));

/**
 * The builder's unfused decoder with a causal mask made for past = 0, as exports traced without a cache
 * build it: a [S, S] mask (zeros here) added to the [1, H, S, P + S] scores. It runs a whole prompt
 * (P = 0) and single-token decode steps (S = 1 broadcasts), but not a chunk of S > 1 over a cache.
 */
function pastZeroMask(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  g.initializer = [...(g.initializer ?? []), int64Tensor('mask.one', [1], [1]), int64Tensor('mask.axes', [1], [0])];
  const nodes: NodeProto[] = [];
  const node = (opType: string, input: string[], output: string, attribute: AttributeProto[] = []) =>
    nodes.push(onnx.NodeProto.create({ opType, input, output: [output], attribute }));
  node('Shape', ['input_ids'], 'mask.shape', [{ name: 'start', type: 2, i: 1 }]); // [S]
  node('Concat', ['mask.shape', 'mask.shape'], 'mask.ss', [{ name: 'axis', type: 2, i: 0 }]);
  node('ConstantOfShape', ['mask.ss'], 'mask.zeros'); // float32 zeros [S, S]
  let n = 0;
  for (const x of g.node ?? []) {
    if (x.opType === 'Softmax' && /self_attn/.test(x.name ?? '')) {
      node('Add', [x.input![0]!, 'mask.zeros'], `mask.scores.${n}`);
      x.input = [`mask.scores.${n++}`];
    }
    nodes.push(x);
  }
  g.node = nodes;
  return onnx.ModelProto.encode(m).finish();
}

function probes(n: number): string {
  const path = join(dir, `probes-${n}.jsonl`);
  const ids = Array.from({ length: n }, (_, t) => 1 + ((t * 37) % 500));
  const line = probeLine('p0', ids, { evidence: [2, 8], answer: [n - 3, n] });
  writeFileSync(path, `${line}\n`);
  return path;
}

describe('a graph that cannot run chunked prefill', () => {
  const model = tempFile(
    'past-zero-mask.onnx',
    pastZeroMask(buildQwen3MoeGraph(randomWeights(TINY, 8), { form: 'unfused' })),
  );

  it('is refused before any unit: E_ONNX_CONTRACT naming the user file, the fix suggests one pass; no run folder left', async () => {
    const out = join(dir, 'refused');
    let error: unknown;
    try {
      await runCapture({
        models: [{ name: 'm', path: model }],
        probes: probes(40),
        out,
        ep: 'cpu',
        plan: { chunk_size: 16 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AccLensError);
    const e = error as AccLensError;
    expect(e.code).toBe('E_ONNX_CONTRACT');
    expect(e.message.startsWith(`${model} `)).toBe(true);
    expect(e.message).toMatch(/cannot run chunked prefill: a chunk of 2 tokens over a KV cache of 3 fails/);
    expect(e.fix).toMatch(/--chunk-size at least the longest probe/);
    expect(existsSync(out)).toBe(false);
  });

  it('captures with a chunk covering the probe (one pass)', async () => {
    const out = join(dir, 'one-pass');
    const s = await runCapture({
      models: [{ name: 'm', path: model }],
      probes: probes(40),
      out,
      ep: 'cpu',
      plan: { chunk_size: 64 },
    });
    expect(s.units.done).toBe(1);
  });
});
