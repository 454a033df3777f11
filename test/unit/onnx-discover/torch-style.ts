import { constInts, indexGraph } from '../../../analysis/onnx/discover/graph.ts';
import { onnx, type NodeProto } from '../../../analysis/onnx/read-model.ts';
import { int64Tensor } from '../../../analysis/onnx/tensor-proto.ts';

/**
 * Rewrites an acc-lens-built unfused decoder the way `torch.onnx.export` writes one: no value_info, no
 * node names, no acc_lens metadata, and head-splitting Reshapes whose targets are built at run time —
 * `x.view(*x.shape[:2], -1, head_dim)` becomes Concat(Unsqueeze(Gather(Shape(x), 0)), Unsqueeze(Gather(Shape(x), 1)),
 * [-1], [head_dim]) and the GQA repeat's `reshape(b, kv * n_rep, -1, d)` Concat(Unsqueeze(Gather(Shape(x), 0)),
 * [H], [-1], [d]). With `hideHeadDim` head_dim is computed at run time too (Shape(x)[2] / heads), so no
 * static reading can tell the heads.
 */
export function torchStyleExport(bytes: Uint8Array, o: { hideHeadDim?: boolean } = {}): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const g = indexGraph(graph);
  const inits = [...(graph.initializer ?? [])];
  const konst = (name: string, values: number[], dims = [values.length]) => {
    if (!inits.some((t) => t.name === name)) inits.push(int64Tensor(name, dims, values));
    return name;
  };
  const nodes: NodeProto[] = [];
  let n = 0;
  const op = (opType: string, input: string[]) => {
    const out = `onnx::${opType}_${n++}`;
    nodes.push(onnx.NodeProto.create({ opType, input, output: [out] }));
    return out;
  };
  const dim = (data: string, axis: number) =>
    op('Unsqueeze', [
      op('Gather', [op('Shape', [data]), konst(`torch.idx.${axis}`, [axis], [])]),
      konst('torch.axes0', [0]),
    ]);
  for (const node of graph.node ?? []) {
    const target = node.opType === 'Reshape' ? constInts(g, node.input?.[1] ?? '') : null;
    if (target?.length === 4 && target[3]! > 0 && (target[1] === 0 || target[2] === -1)) {
      const data = node.input![0]!;
      const D = target[3]!;
      const heads = target[1] === 0 ? target[2]! : target[1]!;
      const headDim = o.hideHeadDim
        ? op('Unsqueeze', [
            op('Div', [
              op('Gather', [op('Shape', [data]), konst('torch.idx.2', [2], [])]),
              konst(`torch.heads.${heads}`, [heads], []),
            ]),
            konst('torch.axes0', [0]),
          ])
        : konst(`torch.d.${D}`, [D]);
      const pieces =
        target[1] === 0
          ? [dim(data, 0), dim(data, 1), konst('torch.m1', [-1]), headDim]
          : [dim(data, 0), konst(`torch.h.${heads}`, [heads]), konst('torch.m1', [-1]), konst(`torch.d.${D}`, [D])];
      const shape = `onnx::Concat_${n++}`;
      nodes.push(
        onnx.NodeProto.create({
          opType: 'Concat',
          input: pieces,
          output: [shape],
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
        }),
      );
      node.input = [data, shape];
    }
    node.name = '';
    nodes.push(node);
  }
  graph.node = nodes;
  const used = new Set(nodes.flatMap((x) => x.input ?? []));
  graph.initializer = inits.filter((t) => used.has(t.name ?? ''));
  graph.valueInfo = [];
  model.metadataProps = (model.metadataProps ?? []).filter((p) => !(p.key ?? '').startsWith('acc_lens.'));
  return onnx.ModelProto.encode(model).finish();
}
