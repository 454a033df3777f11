import { afterAll, describe, expect, it } from 'vitest';
import { captureUnit } from '../../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture } from '../../../analysis/capture/instrument.ts';
import { parsePlan } from '../../../analysis/capture/plan.ts';
import { readContract } from '../../../analysis/capture/session-contract.ts';
import { openModel } from '../../../analysis/capture/session.ts';
import { AccLensError } from '../../../analysis/errors.ts';
import { onnx } from '../../../analysis/onnx/read-model.ts';
import { buildQwen3MoeGraph, type GraphForm } from '../../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../../models/qwen3-moe/random-weights.ts';
import { tempFile, TINY, tokenIds } from '../onnx/tiny-model.ts';
import { syntheticProbe } from './capture-fixture.ts';

const weights = randomWeights(TINY, 3);
const plan = parsePlan({ chunk_size: 16 });
const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

/**
 * The graph with `input_ids` and `position_ids` declared int32, as onnxruntime-genai's builder writes ids:
 * both feed only Gather nodes here, which take int32 indices as they take int64.
 */
function withInt32Ids(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  for (const v of m.graph!.input!)
    if (v.name === 'input_ids' || v.name === 'position_ids')
      v.type!.tensorType!.elemType = onnx.TensorProto.DataType.INT32;
  return onnx.ModelProto.encode(m).finish();
}

async function capture(path: string) {
  const inst = instrumentForCapture(path, plan);
  disposers.push(inst.dispose);
  const session = await openModel(inst.path, { ep: 'cpu' });
  try {
    const probe = syntheticProbe(tokenIds(60, TINY.vocab_size, 4));
    return {
      types: session.contract.inputTypes,
      tables: await captureUnit(session, inst.layout, probeFeeds(probe, plan), plan),
    };
  } finally {
    await session.close();
  }
}

describe('input dtypes are read from the graph', () => {
  for (const form of ['unfused', 'fused'] as GraphForm[])
    it(`${form}: int32 input_ids / position_ids capture exactly what int64 ids capture (chunks of 16)`, async () => {
      const bytes = buildQwen3MoeGraph(weights, { form });
      const a = await capture(tempFile(`${form}.onnx`, bytes));
      const b = await capture(tempFile(`${form}.int32.onnx`, withInt32Ids(bytes)));
      expect(a.types).toEqual({ ids: 'int64', mask: 'int64', positions: 'int64', kv: 'float32' });
      expect(b.types.ids).toBe('int32');
      expect(Array.from(b.tables.attention_segments!.mass)).toEqual(Array.from(a.tables.attention_segments!.mass));
      expect(Array.from(b.tables.routing!.expert)).toEqual(Array.from(a.tables.routing!.expert));
      expect(Array.from(b.tables.answer_logprobs!.logprob)).toEqual(Array.from(a.tables.answer_logprobs!.logprob));
    });

  it('a bfloat16 KV cache is E_ONNX_CONTRACT naming the input (onnxruntime-node cannot feed bfloat16)', () => {
    const io = (name: string, type: string) => ({ name, type, shape: [1, 2, 'past', 16] });
    const inputs = [
      { name: 'input_ids', type: 'int64' },
      { name: 'attention_mask', type: 'int64' },
      io('past_key_values.0.key', 'bfloat16'),
      io('past_key_values.0.value', 'bfloat16'),
    ];
    const outputs = [{ name: 'logits' }, io('present.0.key', 'bfloat16'), io('present.0.value', 'bfloat16')];
    let error: unknown;
    try {
      readContract('user/model.onnx', inputs, outputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_ONNX_CONTRACT');
    expect((error as AccLensError).message).toMatch(/user\/model\.onnx: past_key_values\.0\.key is bfloat16/);
  });

  it('float ids are E_ONNX_CONTRACT naming the input', () => {
    expect(() => readContract('m.onnx', [{ name: 'input_ids', type: 'float32' }], [{ name: 'logits' }])).toThrow(
      /input_ids is float32 \(int64 or int32 expected\)/,
    );
  });
});
