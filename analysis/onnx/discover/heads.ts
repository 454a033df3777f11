import { attr, constInts, int, type GraphIndex } from './graph.ts';
import { projectionWidth, shapePieces } from './shape-pieces.ts';

// Ops a Q or K tensor passes through between its projection and the scores MatMul (RoPE, scaling, GQA repeat, KV-cache concat).
const HEAD_PATH = new Set([
  'Transpose',
  'Reshape',
  'Mul',
  'Div',
  'Identity',
  'Cast',
  'Expand',
  'Tile',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Add',
  'Sub',
  'Slice',
  'Neg',
  'RotaryEmbedding',
  'SimplifiedLayerNormalization',
  'LayerNormalization',
  'RMSNormalization',
  'Split',
]);

/** Head counts and head_dim values seen above a Q or K operand. */
export interface HeadEvidence {
  /** Head counts, nearest first. */
  heads: number[];
  /** head_dim values from rank-4 Reshape targets ([…, heads or −1, D]). */
  headDims: number[];
}

/**
 * Head counts seen on the path above a Q or K operand, nearest first: from rank-4 Reshape targets
 * ([b, s, H, d] when s is 0/−1 or a Transpose(0,2,…) follows, else [b, H, s, d]), rank-5 Expand/Reshape targets of a
 * GQA repeat ([b, kv, rep, s, d] gives kv) and rank-4 graph inputs or value_info ([b, H, s, d]).
 */
export function headCandidates(g: GraphIndex, tensor: string, maxDepth = 24): number[] {
  return headEvidence(g, tensor, maxDepth).heads;
}

/**
 * headCandidates plus head_dim. Targets may be constants or, as torch.onnx writes `view(*shape, -1, head_dim)`,
 * a Concat of dynamic pieces (Shape → Gather → Unsqueeze) and constants; where the head count is −1 there,
 * it is the projection's output width (the MatMul/Gemm weight above the Reshape) divided by head_dim.
 */
export function headEvidence(g: GraphIndex, tensor: string, maxDepth = 24): HeadEvidence {
  const found: number[] = [];
  const headDims: number[] = [];
  const fromShape = (name: string): void => {
    const dims = g.valueInfo.get(name)?.type?.tensorType?.shape?.dim;
    if (dims?.length === 4 && dims[1]?.dimValue != null && int(dims[1].dimValue) > 0) found.push(int(dims[1].dimValue));
  };
  fromShape(tensor);
  const seen = new Set<string>([tensor]);
  let frontier = [tensor];
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      const p = g.producer.get(t);
      if (p === undefined) {
        if (!g.initializers.has(t)) fromShape(t);
        continue;
      }
      const node = g.nodes[p]!;
      const op = node.opType ?? '';
      if (!HEAD_PATH.has(op)) continue;
      if (op === 'Reshape' || op === 'Expand') {
        // Dynamic pieces (null) copy an input dim, like ONNX's 0.
        const target = (constInts(g, node.input?.[1] ?? '') ?? shapePieces(g, node.input?.[1] ?? ''))?.map(
          (d) => d ?? 0,
        );
        // An Expand target's 1 means "keep the input's size", so only a size > 1 tells the KV head count.
        if (target?.length === 5 && (target[1] ?? 0) > (op === 'Expand' ? 1 : 0)) found.push(target[1]!);
        if (target?.length === 4 && op === 'Reshape') {
          const transposed = (g.consumers.get(node.output?.[0] ?? '') ?? []).some((c) => {
            const consumer = g.nodes[c]!;
            return consumer.opType === 'Transpose' && int(attr(consumer, 'perm')?.ints?.[1]) === 2;
          });
          // [b, s, H, d] with s copied (0) or inferred (−1), or feeding Transpose(0,2,1,…): H is at index 2.
          const heads = transposed || target[1]! <= 0 ? target[2]! : target[1]!;
          const D = target[3]!;
          if (D > 0) headDims.push(D);
          if (heads > 0) found.push(heads);
          else if (D > 0) {
            const width = projectionWidth(g, node.input?.[0] ?? '');
            if (width !== null && width % D === 0) found.push(width / D);
          }
        }
      }
      // Only the data input matters for shape-carrying ops; their other inputs are shapes or constants.
      const inputs = ['Reshape', 'Expand', 'Tile', 'Unsqueeze', 'Squeeze', 'Slice', 'Transpose'].includes(op)
        ? [node.input?.[0] ?? '']
        : (node.input ?? []);
      for (const i of inputs)
        if (i !== '' && !seen.has(i) && !g.initializers.has(i)) {
          seen.add(i);
          next.push(i);
        }
    }
    frontier = next;
  }
  return { heads: found, headDims };
}
