import { attrInt, int, isMicrosoft, isOnnxDomain, nodeName, shapeOf, type Dim, type GraphIndex } from './graph.ts';
import type { AttentionCapture, AttentionForm, AttentionSite } from './types.ts';

// com.microsoft attention ops with no probability output and no recompute path built yet.
const NO_PROBS = new Set([
  'Attention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'DecoderMaskedMultiHeadAttention',
  'DecoderMaskedSelfAttention',
  'SparseAttention',
  'PagedAttention',
  'LongformerAttention',
  'DecoderAttention',
]);

/**
 * Recognises a fused attention op and decides how its probabilities can be exposed.
 * @example matchFusedAttention(index, i)?.capture // { how: 'set-attribute', attribute: 'qk_output', value: 2, outputIndex: 3 }
 */
export function matchFusedAttention(g: GraphIndex, i: number): Omit<AttentionSite, 'layer'> | null {
  const node = g.nodes[i]!;
  const op = node.opType ?? '';
  const outputs = node.output ?? [];
  const site = (form: AttentionForm, q: Dim, kv: Dim, capture: AttentionCapture, rotary?: boolean) => ({
    form,
    node: nodeName(g, i),
    nodeIndex: i,
    queryHeads: q,
    kvHeads: kv,
    capture,
    shape: [dim(g, node.input?.[0], 0, 'batch'), q ?? 'heads', 'query', 'total'],
    ...(rotary === undefined ? {} : { rotary }),
  });
  if (op === 'Attention' && isOnnxDomain(node)) {
    const q = attrInt(node, 'q_num_heads', 0) || fourD(g, node.input?.[0]);
    const kv = attrInt(node, 'kv_num_heads', 0) || fourD(g, node.input?.[1]);
    return site(
      'onnx-attention',
      q,
      kv,
      ownOutput(outputs, attrInt(node, 'qk_matmul_output_mode', 0), 'qk_matmul_output_mode', 3),
    );
  }
  if (!isMicrosoft(node)) return null;
  if (op === 'GroupQueryAttention') {
    const capture = ownOutput(outputs, attrInt(node, 'qk_output', 0), 'qk_output', 2);
    return site(
      'gqa',
      attrInt(node, 'num_heads', 0) || null,
      attrInt(node, 'kv_num_heads', 0) || null,
      capture,
      attrInt(node, 'do_rotary', 0) === 1,
    );
  }
  if (op === 'MultiHeadAttention') {
    const heads = attrInt(node, 'num_heads', 0) || null;
    return site('mha', heads, heads, { how: 'softmax-of-output', outputIndex: 3 });
  }
  if (NO_PROBS.has(op)) {
    const heads = attrInt(node, 'num_heads', 0) || null;
    return site('ms-attention', heads, attrInt(node, 'kv_num_heads', 0) || heads, {
      how: 'none',
      reason: `com.microsoft::${op} has no probability output; recompute from its packed Q/K inputs is not built`,
    });
  }
  return null;
}

/** Uses the op's own probability output: already on, switched on, or (when the slot is used otherwise) from a twin node. */
function ownOutput(outputs: string[], mode: number, attribute: string, want: number): AttentionCapture {
  const slot = outputs[3] ?? '';
  if (slot !== '' && mode === want) return { how: 'tensor', tensor: slot };
  if (slot === '') return { how: 'set-attribute', attribute, value: want, outputIndex: 3 };
  return { how: 'twin-node', attribute, value: want, outputIndex: 3 };
}

function fourD(g: GraphIndex, tensor: string | undefined): number | null {
  const shape = shapeOf(g, tensor ?? '');
  return shape?.length === 4 && typeof shape[1] === 'number' ? shape[1] : null;
}

function dim(g: GraphIndex, tensor: string | undefined, axis: number, fallback: string): Dim {
  const d = shapeOf(g, tensor ?? '')?.[axis];
  return typeof d === 'number' ? int(d) : fallback;
}
