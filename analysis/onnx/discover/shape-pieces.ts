import { attr, constInts, int, type GraphIndex } from './graph.ts';

/**
 * A shape tensor built at run time, as torch.onnx writes `x.view(b, s, -1, d)`: Concat(axis 0) of
 * constants and dynamic one-element pieces (Shape → Gather → Unsqueeze). Constant pieces give their
 * values, dynamic ones null; null when `tensor` is not such a Concat.
 * Example: `shapePieces(g, '/model/layers.0/self_attn/Concat_output_0') // [null, null, -1, 128]`.
 */
export function shapePieces(g: GraphIndex, tensor: string): (number | null)[] | null {
  const p = g.producer.get(tensor);
  const node = p === undefined ? undefined : g.nodes[p];
  if (node?.opType !== 'Concat' || int(attr(node, 'axis')?.i ?? 0) !== 0) return null;
  const out: (number | null)[] = [];
  for (const input of node.input ?? []) {
    const values = constInts(g, input);
    if (values !== null) out.push(...values);
    else out.push(null); // an Unsqueeze of one scalar dim: one element
  }
  return out;
}

// Between a q/k/v projection and the Reshape that splits its heads: bias add, dtype casts.
const PROJECTION_PATH = new Set(['Add', 'Cast', 'Identity']);

/**
 * Output width of the linear layer that produces `tensor` (through bias Add / Cast): a MatMul on a
 * [in, out] initializer, MatMul(x, Transpose(W [out, in])), or Gemm (transB aware); null when none.
 */
export function projectionWidth(g: GraphIndex, tensor: string, depth = 4): number | null {
  const p = g.producer.get(tensor);
  if (p === undefined || depth === 0) return null;
  const node = g.nodes[p]!;
  const op = node.opType ?? '';
  if (op === 'MatMul' || op === 'Gemm') {
    const w = weightDims(g, node.input?.[1] ?? '');
    if (w === null) return null;
    const transB = op === 'Gemm' && int(attr(node, 'transB')?.i ?? 0) === 1;
    return transB ? w[0]! : w[1]!;
  }
  if (!PROJECTION_PATH.has(op)) return null;
  for (const input of node.input ?? []) {
    if (g.initializers.has(input)) continue;
    const width = projectionWidth(g, input, depth - 1);
    if (width !== null) return width;
  }
  return null;
}

/** [rows, cols] of a 2-D weight initializer, seen through a Transpose (perm [1, 0]) or a Cast. */
export function weightDims(g: GraphIndex, tensor: string): [number, number] | null {
  const init = g.initializers.get(tensor);
  if (init) {
    const d = (init.dims ?? []).map((x) => int(x));
    return d.length === 2 ? [d[0]!, d[1]!] : null;
  }
  const p = g.producer.get(tensor);
  const node = p === undefined ? undefined : g.nodes[p];
  if (node?.opType === 'Cast') return weightDims(g, node.input?.[0] ?? '');
  if (node?.opType === 'Transpose') {
    const inner = weightDims(g, node.input?.[0] ?? '');
    const perm = attr(node, 'perm')?.ints?.map((x) => int(x));
    return inner !== null && (perm === undefined || perm.join() === '1,0') ? [inner[1], inner[0]] : null;
  }
  return null;
}
