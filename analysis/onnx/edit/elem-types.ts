import { int, type AttributeProto, type GraphProto, type NodeProto } from '../read-model.ts';
import { elemTypeOf, type ElemType } from './dtype.ts';

const BOOL_OPS = new Set(['Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor']);
const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression']);
// Ops whose output takes the type of an input other than the first.
const TYPE_FROM_INPUT: Record<string, number> = { Where: 1, DequantizeLinear: 1 };

const attribute = (n: NodeProto, name: string): AttributeProto | undefined =>
  (n.attribute ?? []).find((a) => a.name === name);

/**
 * Element types of a graph's tensors, by forward propagation from what the file states (inputs,
 * initializers, value_info, Constant nodes, Cast targets) through simple per-op rules; exporters often
 * write no value_info, and an added node must match the type of the tensor it meets. A tensor whose
 * type the rules cannot tell is absent from the map.
 * Example: `inferElemTypes(model.graph!).get('/model/layers.0/self_attn/Softmax_output_0') // 'float16'`.
 */
export function inferElemTypes(graph: GraphProto): Map<string, ElemType> {
  const types = new Map<string, ElemType>();
  const set = (name: string | null | undefined, t: ElemType | undefined): void => {
    if (name && t !== undefined && !types.has(name)) types.set(name, t);
  };
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])])
    set(v.name, elemTypeOf(v.type?.tensorType?.elemType));
  for (const t of graph.initializer ?? []) set(t.name, elemTypeOf(t.dataType));
  for (const node of graph.node ?? []) {
    const outs = node.output ?? [];
    for (const [i, t] of outputTypes(node, (name) => types.get(name)).entries()) set(outs[i], t);
  }
  return types;
}

/** The output types of one node from its inputs' types (undefined where unknown). */
function outputTypes(node: NodeProto, typeOf: (name: string) => ElemType | undefined): (ElemType | undefined)[] {
  const op = node.opType ?? '';
  const inputs = node.input ?? [];
  const first = inputs[0] ? typeOf(inputs[0]) : undefined;
  const n = Math.max(1, (node.output ?? []).length);
  if (op === 'Constant') {
    const t = attribute(node, 'value')?.t;
    if (t) return [elemTypeOf(t.dataType)];
    return [attribute(node, 'value_ints') || attribute(node, 'value_int') ? 'int64' : 'float32'];
  }
  if (op === 'Cast') return [elemTypeOf(int(attribute(node, 'to')?.i ?? 0))];
  if (op === 'CastLike') return [inputs[1] ? typeOf(inputs[1]) : undefined];
  if (op === 'ConstantOfShape') {
    const t = attribute(node, 'value')?.t;
    return [t ? elemTypeOf(t.dataType) : 'float32'];
  }
  if (BOOL_OPS.has(op) || op === 'IsNaN' || op === 'IsInf') return ['bool'];
  if (INT64_OPS.has(op)) return ['int64'];
  if (op === 'TopK') return [first, 'int64'];
  const from = TYPE_FROM_INPUT[op];
  if (from !== undefined) return Array.from({ length: n }, () => typeOf(inputs[from] ?? ''));
  // Everything else acc-lens meets in a decoder (elementwise math, MatMul/Gemm, Softmax, Reshape/Transpose/
  // Gather/Slice/Concat, the normalisations, the fused attention and MoE ops) computes in its first input's type.
  // The fused attention ops' present_key/value and probabilities outputs do too.
  return Array.from({ length: n }, () => first);
}
