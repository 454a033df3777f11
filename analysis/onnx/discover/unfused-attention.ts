import { consumerThrough, isOnnxDomain, nodeName, opOf, walkUp, type Dim, type GraphIndex } from './graph.ts';
import { headEvidence } from './heads.ts';
import type { AttentionSite } from './types.ts';

// Between Q·Kᵀ and Softmax: scale, mask add / Where, softcap (Div → Tanh → Mul), dtype casts.
const SCORE_PATH = new Set(['Add', 'Mul', 'Div', 'Sub', 'Where', 'Cast', 'Tanh', 'Identity', 'Min', 'Max', 'Clip']);
// Between Softmax and the probabilities·V MatMul: dtype casts, fully-masked-row Where, dropout.
const PROBS_PATH = new Set(['Cast', 'Where', 'Identity', 'Dropout']);

/**
 * Finds MatMul(Q, Kᵀ) [→ scale] [→ mask] → Softmax → MatMul(·, V) by following edges, whatever the names.
 * Returns null when the Softmax is not attention (e.g. a router).
 * @example const site = matchUnfusedAttention(index, softmaxIndex);
 */
export function matchUnfusedAttention(g: GraphIndex, softmax: number): Omit<AttentionSite, 'layer'> | null {
  const node = g.nodes[softmax]!;
  if (node.opType !== 'Softmax' || !isOnnxDomain(node)) return null;
  const probsOut = node.output?.[0] ?? '';
  const pv = consumerThrough(g, probsOut, 'MatMul', PROBS_PATH);
  if (pv === null || g.nodes[pv.node]!.input?.[0] !== pv.input) return null;
  let scores: number | undefined;
  for (const p of walkUp(g, node.input?.[0] ?? '', SCORE_PATH, 8)) {
    const op = opOf(g, p);
    if (op === 'MatMul' || op === 'FusedMatMul') {
      scores = p;
      break;
    }
  }
  if (scores === undefined) return null;
  const [q, k] = g.nodes[scores]!.input ?? [];
  const qe = headEvidence(g, q ?? ''),
    ke = headEvidence(g, k ?? '');
  const queryHeads = qe.heads[0] ?? null;
  const kvHeads = ke.heads.length > 0 ? Math.min(...ke.heads) : null;
  const headDim = qe.headDims[0] ?? ke.headDims[0];
  return {
    form: 'unfused',
    node: nodeName(g, softmax),
    nodeIndex: softmax,
    queryHeads,
    kvHeads,
    scoresNode: nodeName(g, scores),
    ...(headDim !== undefined ? { headDim } : {}),
    // The tensor actually multiplied with V: after dtype casts and the fully-masked-row Where that exporters add.
    capture: { how: 'tensor', tensor: pv.input },
    shape: attentionShape(g, q ?? '', queryHeads),
  };
}

/** [batch, heads, query, total] with whatever the graph states statically. */
export function attentionShape(g: GraphIndex, query: string, heads: Dim): Dim[] {
  const q = g.valueInfo.get(query)?.type?.tensorType?.shape?.dim;
  const batch = q?.[0]?.dimValue != null ? Number(q[0].dimValue) || 'batch' : 'batch';
  return [batch, heads ?? 'heads', 'query', 'total'];
}
