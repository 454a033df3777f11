import { describe, expect, it } from 'vitest';
import { checkFixture } from './check.ts';
import { explicitRouters, gqaRotary, mha, msMoe, unfusedGqa } from './fixtures.ts';

describe('instrumentModel exposes attention probabilities', () => {
  it('unfused MatMul→Softmax with GQA Expand: two layers, heads 4/2, Softmax outputs', async () => {
    const { plan, diffs } = await checkFixture(unfusedGqa());
    const sites = plan.discovery.attention;
    expect(sites.map((s) => [s.form, s.layer, s.queryHeads, s.kvHeads])).toEqual([
      ['unfused', 0, 4, 2],
      ['unfused', 1, 4, 2],
    ]);
    expect(sites[1]!.node).toBe('/model/layers.1/self_attn/Softmax');
    expect(plan.uncapturable).toEqual([]);
    console.info('unfused max diffs', diffs);
  });

  it('com.microsoft GroupQueryAttention with do_rotary: qk_output=2 adds output 3', async () => {
    // With qk_output the CPU kernel takes another path: the attention output moves by float32 rounding only.
    const { plan, diffs } = await checkFixture(gqaRotary(), 1e-6);
    const [site] = plan.discovery.attention;
    expect(site).toMatchObject({
      form: 'gqa',
      queryHeads: 4,
      kvHeads: 2,
      rotary: true,
      capture: { how: 'set-attribute', attribute: 'qk_output', value: 2 },
    });
    console.info('gqa max diffs', diffs);
  });

  it('com.microsoft MultiHeadAttention: masked Softmax of the pre-softmax qk output', async () => {
    const { plan, diffs } = await checkFixture(mha());
    expect(plan.discovery.attention[0]).toMatchObject({
      form: 'mha',
      queryHeads: 2,
      capture: { how: 'softmax-of-output' },
    });
    console.info('mha max diffs', diffs);
  });
});

describe('instrumentModel exposes routing', () => {
  it('MatMul→Softmax→TopK (renormalised) and MatMul→TopK→Softmax routers: logits, ids, weights', async () => {
    const { plan, diffs } = await checkFixture(explicitRouters());
    expect(plan.discovery.routers.map((r) => [r.form, r.layer, r.experts, r.topK])).toEqual([
      ['softmax-topk', 0, 6, 2],
      ['topk-softmax', 1, 6, 2],
    ]);
    expect(plan.tensors.map((t) => t.name)).toEqual([
      'acc_lens.router_logits.0',
      'acc_lens.topk_ids.0',
      'acc_lens.topk_weights.0',
      'acc_lens.router_logits.1',
      'acc_lens.topk_ids.1',
      'acc_lens.topk_weights.1',
    ]);
    console.info('router max diffs', diffs);
  });

  it('com.microsoft MoE: router_probs input as logits, top-k recomputed in-graph as the kernel does', async () => {
    const { plan, diffs } = await checkFixture(msMoe());
    expect(plan.discovery.routers[0]).toMatchObject({ form: 'moe', experts: 4, topK: 2, normalize: true });
    console.info('moe max diffs', diffs);
  });
});
