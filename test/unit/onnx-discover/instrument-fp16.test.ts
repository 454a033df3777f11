import { describe, expect, it } from 'vitest';
import { checkFixture } from './check.ts';
import { explicitRouters, gqaRotary, mha, msMoe, onnxAttention, unfusedGqa, type Fixture } from './fixtures.ts';
import { float16Mirror } from './float16-mirror.ts';

// Float16 tolerance: inputs and weights rounded to float16 (relative 2⁻¹¹) and every op computed in
// float16 move probabilities by up to ~2e-3 on these small random graphs; 5e-3 is the bound checked.
const TOL = 5e-3;

const cases: [string, () => Fixture, number][] = [
  ['unfused MatMul→Softmax GQA (4/2 heads)', unfusedGqa, 0],
  ['com.microsoft GroupQueryAttention with do_rotary (qk_output=2)', gqaRotary, 1e-2],
  ['com.microsoft MultiHeadAttention (masked Softmax of the qk output)', mha, 0],
  [
    'ONNX Attention test_attention_4d_gqa (mode 3 added)',
    () => onnxAttention({ q: [2, 9, 4, 8], k: [2, 3, 6, 8], seed: 21 }),
    0,
  ],
  [
    'ONNX Attention test_attention_4d_gqa_causal',
    () => onnxAttention({ q: [2, 9, 4, 8], k: [2, 3, 6, 8], causal: true, seed: 22 }),
    0,
  ],
  [
    'ONNX Attention test_attention_4d_with_qk_matmul (twin node)',
    () => onnxAttention({ q: [2, 3, 4, 8], k: [2, 3, 6, 8], qkOutput: 0, seed: 23 }),
    0,
  ],
  [
    'ONNX Attention test_attention_4d_with_qk_matmul_softmax (existing output)',
    () => onnxAttention({ q: [2, 3, 4, 8], k: [2, 3, 6, 8], qkOutput: 3, seed: 24 }),
    0,
  ],
  ['MatMul→Softmax→TopK and MatMul→TopK→Softmax routers', explicitRouters, 0],
  ['com.microsoft MoE (router_probs as logits)', msMoe, 0],
];

describe('float16 mirrors of the instrumentation fixtures: the copy loads, capture tensors are float32', () => {
  for (const [name, fixture, outputTolerance] of cases)
    it(name, async () => {
      const { plan, diffs } = await checkFixture(float16Mirror(fixture()), outputTolerance, TOL);
      for (const t of plan.tensors)
        expect(t.sourceElementType, t.name).toBe(t.kind === 'topk_ids' ? 'int64' : 'float16');
      console.info(name, diffs);
    });
});
