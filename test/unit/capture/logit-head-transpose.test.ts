import { afterAll, describe, expect, it } from 'vitest';
import { captureUnit } from '../../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture } from '../../../analysis/capture/instrument.ts';
import { parsePlan } from '../../../analysis/capture/plan.ts';
import { openModel } from '../../../analysis/capture/session.ts';
import { onnx } from '../../../analysis/onnx/read-model.ts';
import { buildQwen3MoeGraph } from '../../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../../models/qwen3-moe/random-weights.ts';
import { maxAbsDiff, tempFile, TINY, tokenIds } from '../onnx/tiny-model.ts';
import { syntheticProbe } from './capture-fixture.ts';

/** The builder's head Gemm(rows, W [vocab, hidden], transB=1) rewritten as MatMul(rows, Transpose(W)), as some exporters write a tied head. */
function transposedHead(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const nodes = m.graph!.node!;
  const i = nodes.findIndex((n) => n.opType === 'Gemm' && n.name === '/lm_head/Gemm');
  const gemm = nodes[i]!;
  const wt = onnx.NodeProto.create({
    opType: 'Transpose',
    input: [gemm.input![1]!],
    output: ['/lm_head/Transpose_output_0'],
    name: '/lm_head/Transpose',
    attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }],
  });
  const mm = onnx.NodeProto.create({
    opType: 'MatMul',
    input: [gemm.input![0]!, '/lm_head/Transpose_output_0'],
    output: gemm.output,
    name: '/lm_head/MatMul',
  });
  nodes.splice(i, 1, wt, mm);
  return onnx.ModelProto.encode(m).finish();
}

const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

describe('narrowLogitHead on MatMul(x, Transpose(W))', () => {
  it('is recognised: the head is narrowed and answer log-probs equal the Gemm form', async () => {
    const plan = parsePlan({ chunk_size: 16 });
    const bytes = buildQwen3MoeGraph(randomWeights(TINY, 6), { form: 'fused' });
    const probe = syntheticProbe(tokenIds(40, TINY.vocab_size, 3));
    const logprobs: Float32Array[] = [];
    for (const b of [bytes, transposedHead(bytes)]) {
      const inst = instrumentForCapture(tempFile('m.onnx', b), plan);
      disposers.push(inst.dispose);
      expect(inst.layout.narrowedHead).toBe(true);
      const session = await openModel(inst.path, { ep: 'cpu' });
      try {
        logprobs.push(
          Float32Array.from(
            (await captureUnit(session, inst.layout, probeFeeds(probe, plan), plan)).answer_logprobs!.logprob,
          ),
        );
      } finally {
        await session.close();
      }
    }
    expect(logprobs[1]!.length).toBe(6);
    expect(maxAbsDiff(logprobs[0]!, logprobs[1]!)).toBeLessThan(1e-5);
  });
});
