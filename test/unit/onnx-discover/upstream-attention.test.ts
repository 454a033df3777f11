import { describe, expect, it } from 'vitest';
import { checkFixture } from './check.ts';
import { onnxAttention } from './fixtures.ts';

// Regenerated in code with the op attributes and shapes of onnx/onnx backend tests (commit 6be0677f);
// the upstream files themselves are not committed — see test/fixtures/onnx-attention/README.md.
describe('ONNX Attention (opset 23), mirroring onnx/onnx backend tests', () => {
  it('test_attention_4d_gqa: qk_matmul_output_mode=3 adds output 3; heads 9/3', async () => {
    const { plan } = await checkFixture(onnxAttention({ q: [2, 9, 4, 8], k: [2, 3, 6, 8], seed: 21 }));
    expect(plan.discovery.attention[0]).toMatchObject({
      form: 'onnx-attention',
      queryHeads: 9,
      kvHeads: 3,
      capture: { how: 'set-attribute', attribute: 'qk_matmul_output_mode', value: 3 },
    });
  });

  it('test_attention_4d_gqa_causal: is_causal=1, keys after the query masked to exactly 0', async () => {
    await checkFixture(onnxAttention({ q: [2, 9, 4, 8], k: [2, 3, 6, 8], causal: true, seed: 22 }));
  });

  it('test_attention_4d_with_qk_matmul: output 3 already used in mode 0 → a twin node gives mode 3', async () => {
    const { plan } = await checkFixture(onnxAttention({ q: [2, 3, 4, 8], k: [2, 3, 6, 8], qkOutput: 0, seed: 23 }));
    expect(plan.discovery.attention[0]!.capture.how).toBe('twin-node');
  });

  it('test_attention_4d_with_qk_matmul_softmax: mode 3 already on → its output is exposed as is', async () => {
    const { plan } = await checkFixture(onnxAttention({ q: [2, 3, 4, 8], k: [2, 3, 6, 8], qkOutput: 3, seed: 24 }));
    expect(plan.discovery.attention[0]!.capture).toEqual({ how: 'tensor', tensor: 'qk_matmul_output' });
  });
});
