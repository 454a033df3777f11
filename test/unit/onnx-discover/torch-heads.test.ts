import { afterAll, describe, expect, it } from 'vitest';
import { captureUnit } from '../../../analysis/capture/capture-unit.ts';
import { probeFeeds } from '../../../analysis/capture/chunk-feeds.ts';
import { instrumentForCapture } from '../../../analysis/capture/instrument.ts';
import { parsePlan } from '../../../analysis/capture/plan.ts';
import { openModel } from '../../../analysis/capture/session.ts';
import { discoverModel } from '../../../analysis/onnx/discover/index.ts';
import { onnx } from '../../../analysis/onnx/read-model.ts';
import { buildQwen3MoeGraph } from '../../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../../models/qwen3-moe/random-weights.ts';
import { withoutKvCache } from '../../integration/kv-graph-variants.ts';
import { syntheticProbe } from '../capture/capture-fixture.ts';
import { tempFile, TINY, tokenIds } from '../onnx/tiny-model.ts';
import { torchStyleExport } from './torch-style.ts';

// TINY: 4 query heads, 2 KV heads, head_dim 16; the torch-style copy states none of it in value_info,
// metadata or constant Reshape targets (only head_dim in the `view(…, -1, head_dim)` Concat).
const plain = withoutKvCache(buildQwen3MoeGraph(randomWeights(TINY, 2), { form: 'unfused' }));
const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

describe('head counts of a torch.onnx-style unfused GQA export without value_info', () => {
  it('discovery reads 4 query / 2 KV heads and head_dim 16 from the projections and the view Concat', () => {
    const d = discoverModel(onnx.ModelProto.decode(torchStyleExport(plain)));
    expect(d.attention.map((s) => [s.layer, s.queryHeads, s.kvHeads, s.headDim])).toEqual([
      [0, 4, 2, 16],
      [1, 4, 2, 16],
    ]);
  });

  it('capture uses the true counts: the estimate shape and the captured heads', async () => {
    const plan = parsePlan({ chunk_size: 64 });
    const inst = instrumentForCapture(tempFile('torch.onnx', torchStyleExport(plain)), plan);
    disposers.push(inst.dispose);
    expect(inst.shape).toMatchObject({ cache: false, layers: 2, queryHeads: 4, kvHeads: 2, headDim: 16 });
    const session = await openModel(inst.path, { ep: 'cpu' });
    try {
      const probe = syntheticProbe(tokenIds(48, TINY.vocab_size, 2));
      const t = await captureUnit(session, inst.layout, probeFeeds(probe, plan), plan);
      expect(new Set(Array.from(t.attention_segments!.head))).toEqual(new Set([0, 1, 2, 3]));
    } finally {
      await session.close();
    }
  });

  it('heads that no static reading can tell are E_ONNX_CONTRACT naming the file, not an estimate for 1 head', () => {
    const path = tempFile('hidden-heads.onnx', torchStyleExport(plain, { hideHeadDim: true }));
    expect(() => instrumentForCapture(path, parsePlan({}))).toThrow(
      expect.objectContaining({
        code: 'E_ONNX_CONTRACT',
        message: expect.stringContaining(`${path}: cannot tell how many attention heads`),
      }),
    );
  });
});
