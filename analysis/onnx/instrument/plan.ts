import type { ElemType } from '../edit/dtype.ts';
import type { AttentionSite, Discovery, Dim, RouterSite, Uncapturable } from '../discover/index.ts';

export type CaptureKind = 'attn_probs' | 'router_logits' | 'topk_ids' | 'topk_weights';

/** One tensor the instrumented graph carries under a stable `acc_lens.*` name. */
export interface CaptureTensor {
  /** `acc_lens.{kind}.{layer}` — a later stage may consume it in-graph instead of fetching it. */
  name: string;
  kind: CaptureKind;
  layer: number;
  /** Dim names, e.g. ['batch', 'head_index', 'query_pos', 'key_pos'] or ['tokens', 'expert']. */
  dims: readonly string[];
  /** Static sizes where the graph states them, symbolic names otherwise. */
  shape: Dim[];
  /** What the instrumented graph exposes: float32 whatever the model computes in (float16 is cast up). */
  elementType: 'float32' | 'int64';
  /** The element type the model computes this tensor in, where the graph tells (e.g. 'float16'). */
  sourceElementType?: ElemType;
  /** Node that defines the site and how the tensor is obtained there. */
  source: { node: string; how: string };
}

/** What instrumenting a model will capture, and what it cannot; the graph edits follow from it. */
export interface Instrumentation {
  discovery: Discovery;
  tensors: CaptureTensor[];
  uncapturable: Uncapturable[];
}

const ATTN_DIMS = ['batch', 'head_index', 'query_pos', 'key_pos'] as const;

export const captureName = (kind: CaptureKind, layer: number): string => `acc_lens.${kind}.${layer}`;

/**
 * Turns a discovery into the list of tensors an instrumented copy exposes (no graph edits yet).
 * @example planInstrumentation(discoverModel(model)).tensors.map((t) => t.name) // ['acc_lens.attn_probs.0', …]
 */
export function planInstrumentation(discovery: Discovery): Instrumentation {
  const tensors: CaptureTensor[] = [];
  const seen = new Set<string>();
  const uncapturable = [...discovery.uncapturable];
  const push = (t: CaptureTensor): void => {
    if (seen.has(t.name)) {
      uncapturable.push({
        node: t.source.node,
        op: '',
        what: t.kind === 'attn_probs' ? 'attention' : 'router',
        reason: `a second ${t.kind} site was assigned to layer ${t.layer}; only the first is captured`,
      });
      return;
    }
    seen.add(t.name);
    tensors.push(t);
  };
  for (const site of discovery.attention) if (site.capture.how !== 'none') push(attentionTensor(site));
  for (const router of discovery.routers) for (const t of routerTensors(router)) push(t);
  return { discovery, tensors, uncapturable };
}

function attentionTensor(site: AttentionSite): CaptureTensor {
  const c = site.capture;
  const how =
    c.how === 'tensor'
      ? `existing probabilities tensor ${c.tensor}`
      : c.how === 'set-attribute'
        ? `${c.attribute}=${c.value}, output ${c.outputIndex}`
        : c.how === 'twin-node'
          ? `twin node with ${c.attribute}=${c.value} (output ${c.outputIndex} already used otherwise)`
          : c.how === 'softmax-of-output'
            ? `masked Softmax of the pre-softmax qk output (index ${c.outputIndex})`
            : '';
  return {
    name: captureName('attn_probs', site.layer),
    kind: 'attn_probs',
    layer: site.layer,
    dims: ATTN_DIMS,
    shape: site.shape,
    elementType: 'float32',
    ...(site.dtype !== undefined ? { sourceElementType: site.dtype } : {}),
    source: { node: site.node, how },
  };
}

function routerTensors(r: RouterSite): CaptureTensor[] {
  const fused = r.form === 'moe' || r.form === 'qmoe';
  const logitsDims = r.logitsShape.length === 3 ? ['batch', 'seq', 'expert'] : ['tokens', 'expert'];
  const lead = r.logitsShape.slice(0, -1);
  const k = r.topK ?? 'k';
  const out: CaptureTensor[] = [
    {
      name: captureName('router_logits', r.layer),
      kind: 'router_logits',
      layer: r.layer,
      dims: logitsDims,
      shape: r.logitsShape,
      elementType: 'float32',
      ...(r.dtype !== undefined ? { sourceElementType: r.dtype } : {}),
      source: { node: r.node, how: fused ? 'router_probs input (logits)' : 'input of the router Softmax/TopK' },
    },
  ];
  const topkDims = [...logitsDims.slice(0, -1), 'k'];
  if (fused || (r.topkIndices && r.topkValues)) {
    const how = fused
      ? `recomputed in-graph: Softmax → TopK(k=${k})${r.normalize ? ' → renormalise' : ''}, as the MoE kernel does`
      : 'existing TopK outputs';
    out.push(
      {
        name: captureName('topk_ids', r.layer),
        kind: 'topk_ids',
        layer: r.layer,
        dims: topkDims,
        shape: [...lead, k],
        elementType: 'int64',
        sourceElementType: 'int64',
        source: { node: r.node, how },
      },
      {
        name: captureName('topk_weights', r.layer),
        kind: 'topk_weights',
        layer: r.layer,
        dims: topkDims,
        shape: [...lead, k],
        elementType: 'float32',
        ...(r.dtype !== undefined ? { sourceElementType: r.dtype } : {}),
        source: { node: r.node, how },
      },
    );
  }
  return out;
}
