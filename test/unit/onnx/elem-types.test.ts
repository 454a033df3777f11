import { describe, expect, it } from 'vitest';
import { inferElemTypes } from '../../../analysis/onnx/edit/index.ts';
import { onnx, type AttributeProto } from '../../../analysis/onnx/read-model.ts';

const T = onnx.TensorProto.DataType;
const node = (opType: string, input: string[], output: string[], attribute: AttributeProto[] = []) =>
  onnx.NodeProto.create({ opType, input, output, attribute });

describe('inferElemTypes', () => {
  it('propagates types through a graph without value_info (an fp16 export with a float32 Softmax)', () => {
    const graph = onnx.GraphProto.create({
      input: [
        { name: 'ids', type: { tensorType: { elemType: T.INT32 } } },
        { name: 'h', type: { tensorType: { elemType: T.FLOAT16 } } },
      ],
      initializer: [{ name: 'w', dataType: T.FLOAT16, dims: [2, 2] }],
      node: [
        node('MatMul', ['h', 'w'], ['scores']),
        node('Cast', ['scores'], ['scores32'], [{ name: 'to', type: 2, i: T.FLOAT }]),
        node('Softmax', ['scores32'], ['probs']),
        node('TopK', ['probs', 'k'], ['values', 'indices']),
        node('Shape', ['probs'], ['shape']),
        node('Greater', ['probs', 'probs'], ['mask']),
        node('Where', ['mask', 'scores', 'scores'], ['picked']),
        node('Gather', ['w', 'ids'], ['rows']),
        node('Constant', [], ['c'], [{ name: 'value', type: 4, t: { dataType: T.BFLOAT16, dims: [] } }]),
        node('Mystery', ['unknown'], ['out']),
      ],
    });
    const types = inferElemTypes(graph);
    expect(
      Object.fromEntries(
        ['scores', 'scores32', 'probs', 'values', 'indices', 'shape', 'mask', 'picked', 'rows', 'c'].map((n) => [
          n,
          types.get(n),
        ]),
      ),
    ).toEqual({
      scores: 'float16',
      scores32: 'float32',
      probs: 'float32',
      values: 'float32',
      indices: 'int64',
      shape: 'int64',
      mask: 'bool',
      picked: 'float16',
      rows: 'float16',
      c: 'bfloat16',
    });
    expect(types.has('out')).toBe(false);
  });

  it('a declared value_info wins over propagation', () => {
    const graph = onnx.GraphProto.create({
      input: [{ name: 'x', type: { tensorType: { elemType: T.FLOAT16 } } }],
      valueInfo: [{ name: 'y', type: { tensorType: { elemType: T.FLOAT } } }],
      node: [node('Identity', ['x'], ['y'])],
    });
    expect(inferElemTypes(graph).get('y')).toBe('float32');
  });
});
