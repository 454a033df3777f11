import type { ModelProto } from '../read-model.ts';

/**
 * Removes nodes none of whose outputs is consumed or a graph output, until none is left (e.g. the
 * full-vocabulary logits path after the LM head is narrowed). Returns how many were removed.
 */
export function removeDeadNodes(model: ModelProto): number {
  const graph = model.graph!;
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  let nodes = graph.node ?? [];
  let removed = 0;
  for (;;) {
    const used = new Set<string>(outputs);
    for (const n of nodes) for (const i of n.input ?? []) used.add(i);
    const kept = nodes.filter((n) => (n.output ?? []).some((o) => o !== '' && used.has(o)));
    if (kept.length === nodes.length) break;
    removed += nodes.length - kept.length;
    nodes = kept;
  }
  graph.node = nodes;
  return removed;
}
