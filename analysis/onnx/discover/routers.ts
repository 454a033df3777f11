import {
  attrInt,
  constInts,
  consumerThrough,
  int,
  isMicrosoft,
  isOnnxDomain,
  nodeName,
  opOf,
  shapeOf,
  walkUp,
  type Dim,
  type GraphIndex,
} from './graph.ts';
import type { RouterSite } from './types.ts';

const PASS = new Set(['Cast', 'Identity']);
const LOGITS_PATH = new Set(['Add', 'Cast', 'Identity', 'Reshape']);

/**
 * Recognises a router: com.microsoft MoE/QMoE (logits = router_probs input), Softmax → TopK, or TopK on logits → Softmax.
 * @example matchRouter(index, i)?.form // 'softmax-topk'
 */
export function matchRouter(g: GraphIndex, i: number): Omit<RouterSite, 'layer'> | null {
  const node = g.nodes[i]!;
  const op = node.opType ?? '';
  if (isMicrosoft(node) && (op === 'MoE' || op === 'QMoE')) {
    const logits = node.input?.[1] ?? '';
    const fc1 = shapeOf(g, node.input?.[2] ?? '');
    const experts = fc1?.[0] ?? lastDim(shapeOf(g, logits));
    return {
      form: op === 'MoE' ? 'moe' : 'qmoe',
      node: nodeName(g, i),
      nodeIndex: i,
      experts,
      topK: attrInt(node, 'k', 1),
      logits,
      logitsShape: shapeOf(g, logits) ?? ['tokens', experts ?? 'experts'],
      normalize: attrInt(node, 'normalize_routing_weights', 0) === 1,
    };
  }
  if (!isOnnxDomain(node)) return null;
  if (op === 'Softmax') {
    const topk = consumerThrough(g, node.output?.[0] ?? '', 'TopK', PASS);
    if (topk === null) return null;
    const logits = node.input?.[0] ?? '';
    const t = g.nodes[topk.node]!;
    return {
      ...common(g, i, logits, t.input?.[1] ?? ''),
      form: 'softmax-topk',
      topkOn: 'probs',
      topkValues: renormalised(g, t.output?.[0] ?? ''),
      topkIndices: t.output?.[1] ?? '',
    };
  }
  if (op === 'TopK') {
    const logits = node.input?.[0] ?? '';
    if (opOf(g, g.producer.get(logits)) === 'Softmax' || !fromMatMul(g, logits)) return null;
    const sm = consumerThrough(g, node.output?.[0] ?? '', 'Softmax', PASS);
    if (sm === null) return null;
    return {
      ...common(g, i, logits, node.input?.[1] ?? ''),
      form: 'topk-softmax',
      topkOn: 'logits',
      topkValues: g.nodes[sm.node]!.output?.[0] ?? '',
      topkIndices: node.output?.[1] ?? '',
    };
  }
  return null;
}

function common(g: GraphIndex, i: number, logits: string, k: string) {
  const gate = gateWeightExperts(g, logits);
  const experts = gate ?? lastDim(shapeOf(g, logits));
  return {
    node: nodeName(g, i),
    nodeIndex: i,
    experts,
    topK: constInts(g, k)?.[0] ?? null,
    logits,
    logitsShape: shapeOf(g, logits) ?? ['tokens', experts ?? 'experts'],
  };
}

/** Top-k gate weights after Qwen-style renormalisation (values ÷ ReduceSum(values)) when the graph does it. */
function renormalised(g: GraphIndex, values: string): string {
  for (const c of g.consumers.get(values) ?? []) {
    const n = g.nodes[c]!;
    if (n.opType !== 'Div' || n.input?.[0] !== values) continue;
    const denominator = g.producer.get(n.input?.[1] ?? '');
    for (const p of denominator === undefined
      ? []
      : [denominator, ...walkUp(g, n.input?.[1] ?? '', new Set(['Add', 'Max', 'Clip', 'Cast']), 3)]) {
      if (opOf(g, p) === 'ReduceSum' && g.nodes[p]!.input?.[0] === values) return n.output?.[0] ?? values;
    }
  }
  return values;
}

function fromMatMul(g: GraphIndex, logits: string): boolean {
  for (const p of walkUp(g, logits, LOGITS_PATH, 4)) if (['MatMul', 'Gemm'].includes(opOf(g, p))) return true;
  return false;
}

/** Experts from the gate weight: MatMul weight [hidden, E], or Gemm with transB [E, hidden]. */
function gateWeightExperts(g: GraphIndex, logits: string): Dim {
  for (const p of walkUp(g, logits, LOGITS_PATH, 4)) {
    const n = g.nodes[p]!;
    if (n.opType !== 'MatMul' && n.opType !== 'Gemm') continue;
    const w = shapeOf(g, n.input?.[1] ?? '');
    if (w?.length !== 2) return null;
    const transB = n.opType === 'Gemm' && attrInt(n, 'transB', 0) === 1;
    const e = transB ? w[0] : w[1];
    return typeof e === 'number' ? int(e) : (e ?? null);
  }
  return null;
}

function lastDim(shape: Dim[] | null): Dim {
  return shape?.[shape.length - 1] ?? null;
}
