import type { FamilyAdapter } from './adapters/index.ts';

interface Placed {
  nodeIndex: number;
  node: string;
  layer: number;
}

/**
 * Numbers sites by graph order (ONNX stores nodes topologically), unless the adapter reads a distinct,
 * increasing layer index from every site's name — then the names win (they survive pruned layers).
 * @example assignByOrder([{ nodeIndex: 7, node: '/model/layers.3/attn/Softmax' }], qwen3Moe) // layer 3
 */
export function assignByOrder<T extends { nodeIndex: number; node: string }>(
  sites: T[],
  adapter: FamilyAdapter,
  names: (s: T) => string[] = (s) => [s.node],
): (T & Placed)[] {
  const sorted = [...sites].sort((a, b) => a.nodeIndex - b.nodeIndex);
  const hints = sorted.map(
    (s) =>
      names(s)
        .map((n) => adapter.layerOf(n))
        .find((h) => h !== null) ?? null,
  );
  const usable = hints.every((h, i) => h !== null && (i === 0 || h > hints[i - 1]!));
  return sorted.map((s, i) => ({ ...s, layer: usable ? hints[i]! : i }));
}

/**
 * Routers take the layer of the last attention site before them in graph order (a decoder block is
 * attention then MLP/MoE); without attention sites, their own order or name hints.
 */
export function assignRouters<T extends { nodeIndex: number; node: string }>(
  routers: T[],
  attention: Placed[],
  adapter: FamilyAdapter,
  names?: (s: T) => string[],
): (T & Placed)[] {
  const byOrder = assignByOrder(routers, adapter, names);
  if (attention.length === 0) return byOrder;
  const attn = [...attention].sort((a, b) => a.nodeIndex - b.nodeIndex);
  return byOrder.map((r) => {
    const before = attn.filter((a) => a.nodeIndex < r.nodeIndex).pop();
    return { ...r, layer: before?.layer ?? r.layer };
  });
}
