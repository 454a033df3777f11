import { inferElemTypes } from '../edit/elem-types.ts';
import type { ModelProto } from '../read-model.ts';
import { pickAdapter } from './adapters/index.ts';
import { indexGraph, isOnnxDomain, nodeName, type GraphIndex } from './graph.ts';
import { matchFusedAttention } from './fused-attention.ts';
import { assignByOrder, assignRouters } from './layers.ts';
import { matchRouter } from './routers.ts';
import type { AttentionSite, Discovery, RouterSite, Uncapturable } from './types.ts';
import { matchUnfusedAttention } from './unfused-attention.ts';

export type * from './types.ts';
export type { Dim } from './graph.ts';

// past_key_values.3.key, past_key_values.3.value, past_3, key_cache.3, past_key_3 … but not past_seq_len-style scalars.
const KV_CACHE =
  /^(past_key_values[._]\d+[._](key|value)|past[._]\d+|past[._](key|value)[._]?\d+|(key|value)_cache[._]\d+|cache[._](key|value)[._]\d+)$/;

/**
 * Finds every attention and router site of a decoder graph, by edges, and assigns each to a layer.
 * @example const { attention, routers, uncapturable } = discoverModel(readModel(path).model);
 */
export function discoverModel(model: ModelProto): Discovery {
  const g = indexGraph(model.graph ?? {});
  const names = [
    ...g.nodes.map((n) => n.name ?? ''),
    model.producerName ?? '',
    model.docString ?? '',
    model.graph?.name ?? '',
  ];
  const adapter = pickAdapter(names);
  const attention: Omit<AttentionSite, 'layer'>[] = [];
  const routers: Omit<RouterSite, 'layer'>[] = [];
  const uncapturable: Uncapturable[] = [];
  g.nodes.forEach((node, i) => {
    const router = matchRouter(g, i);
    if (router) return void routers.push(router);
    const site = matchUnfusedAttention(g, i) ?? matchFusedAttention(g, i);
    if (site) return void attention.push(site);
    if (node.opType === 'Softmax' && isOnnxDomain(node) && !claimedByTopKRouter(g, i)) {
      uncapturable.push({
        node: nodeName(g, i),
        op: 'Softmax',
        what: 'attention',
        reason:
          'Softmax is neither attention (no MatMul(probs, V) consumer with a MatMul(Q, Kᵀ) above) nor a router (no TopK)',
      });
    }
  });
  const placedAttention = assignByOrder(attention, adapter);
  const hintNames = (r: Omit<RouterSite, 'layer'>) => [r.node, g.nodes[g.producer.get(r.logits) ?? -1]?.name ?? ''];
  const placedRouters = assignRouters(routers, placedAttention, adapter, hintNames);
  for (const site of placedAttention) {
    if (site.capture.how === 'none')
      uncapturable.push({
        node: site.node,
        op: g.nodes[site.nodeIndex]!.opType ?? '',
        what: 'attention',
        reason: site.capture.reason,
      });
  }
  const types = inferElemTypes(model.graph ?? {});
  for (const site of placedAttention) {
    const c = site.capture;
    const dtype = types.get(c.how === 'tensor' ? c.tensor : (g.nodes[site.nodeIndex]!.input?.[0] ?? ''));
    if (dtype !== undefined) site.dtype = dtype;
  }
  for (const r of placedRouters) {
    const dtype = types.get(r.logits);
    if (dtype !== undefined) r.dtype = dtype;
  }
  return {
    attention: placedAttention,
    routers: placedRouters,
    uncapturable,
    family: adapter.family === 'generic' ? null : adapter.family,
    kvCacheInputs: (model.graph?.input ?? []).map((v) => v.name ?? '').filter((n) => KV_CACHE.test(n)),
  };
}

/** A Softmax over a TopK's values (topk-softmax routers) is part of that router, not an unknown Softmax. */
function claimedByTopKRouter(g: GraphIndex, i: number): boolean {
  const p = g.producer.get(g.nodes[i]!.input?.[0] ?? '');
  return p !== undefined && g.nodes[p]!.opType === 'TopK';
}
