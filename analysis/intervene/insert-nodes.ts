import { constantTensor, type ElemType } from '../onnx/edit/index.ts';
import { onnx, type AttributeProto, type ModelProto, type NodeProto } from '../onnx/read-model.ts';

/**
 * Puts `build(pre)` between a tensor and its consumers: the producer's output is renamed `pre` and the
 * new nodes (which must end by producing `tensor` again) go right after the producer, so every consumer
 * — and the capture instrumentation that later looks the tensor up by name — is unchanged and the node
 * list stays topologically sorted.
 */
export function interpose(model: ModelProto, tensor: string, build: (pre: string) => NodeProto[]): void {
  const nodes = model.graph!.node!;
  const at = nodes.findIndex((n) => (n.output ?? []).includes(tensor));
  if (at < 0) throw new Error(`interpose: no node produces ${tensor}`);
  const pre = `${tensor}/acc_lens_pre_intervention`;
  const producer = nodes[at]!;
  producer.output = (producer.output ?? []).map((o) => (o === tensor ? pre : o));
  nodes.splice(at + 1, 0, ...build(pre));
}

/** A node named `name` (intervention nodes keep the layer's name prefix, which layer discovery reads). */
export function node(
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attribute: AttributeProto[] = [],
): NodeProto {
  return onnx.NodeProto.create({ opType, name, input, output, attribute });
}

/** A Constant node holding `values` as `elem` with `dims`. */
export function constantNode(name: string, values: readonly number[], elem: ElemType, dims: number[]): NodeProto {
  return onnx.NodeProto.create({
    opType: 'Constant',
    name: `${name}/Constant`,
    output: [name],
    attribute: [
      { name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: constantTensor(values, elem, dims) },
    ],
  });
}
