/** A directed edge list as it appears in a GraphWalks prompt (duplicates and self-loops kept). */
export interface Edge {
  src: string;
  dst: string;
}

export type GraphOperation = { type: 'bfs'; start: string; depth: number } | { type: 'parents'; node: string };

const EDGE = /^\s*([0-9a-fA-F]+)\s*->\s*([0-9a-fA-F]+)\s*$/;

/** Parses `src -> dst` lines; other lines are ignored. */
export function parseEdges(text: string): Edge[] {
  const edges: Edge[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(EDGE);
    if (m !== null) edges.push({ src: m[1] as string, dst: m[2] as string });
  }
  return edges;
}

/** Depth of every node reachable from `start` (start at 0), by breadth-first search. */
export function depths(edges: readonly Edge[], start: string): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.src);
    if (list === undefined) out.set(e.src, [e.dst]);
    else list.push(e.dst);
  }
  const depth = new Map([[start, 0]]);
  let frontier = [start];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier)
      for (const v of out.get(u) ?? [])
        if (!depth.has(v)) {
          depth.set(v, d);
          next.push(v);
        }
    frontier = next;
  }
  return depth;
}

/** The answer set: nodes at exactly `depth` for BFS (never the start), or the sources of edges into `node` (never itself). */
export function solve(edges: readonly Edge[], op: GraphOperation): string[] {
  if (op.type === 'parents')
    return [...new Set(edges.filter((e) => e.dst === op.node && e.src !== op.node).map((e) => e.src))].sort();
  return [...depths(edges, op.start)]
    .filter(([n, d]) => d === op.depth && n !== op.start)
    .map(([n]) => n)
    .sort();
}

/**
 * The edges that justify the answer. Parents: every edge into the node. BFS: every edge u→v with
 * depth(v) = depth(u) + 1 on a shortest path from the start to an answer node (walked back from the answers).
 */
export function evidenceEdges(edges: readonly Edge[], op: GraphOperation): Edge[] {
  if (op.type === 'parents') return edges.filter((e) => e.dst === op.node && e.src !== op.node);
  const depth = depths(edges, op.start);
  let layer = new Set(solve(edges, op));
  const keep = new Set<Edge>();
  for (let d = op.depth; d >= 1 && layer.size > 0; d--) {
    const prev = new Set<string>();
    for (const e of edges) {
      if (layer.has(e.dst) && depth.get(e.dst) === d && depth.get(e.src) === d - 1) {
        keep.add(e);
        prev.add(e.src);
      }
    }
    layer = prev;
  }
  return edges.filter((e) => keep.has(e));
}

/** Parses the operation sentence of a GraphWalks prompt. */
export function parseOperation(text: string): GraphOperation | null {
  const bfs = text.match(/Perform a BFS from node ([0-9a-fA-F]+) with depth (\d+)/);
  if (bfs !== null) return { type: 'bfs', start: bfs[1] as string, depth: Number(bfs[2]) };
  const parents = text.match(/Find the parents of node ([0-9a-fA-F]+)/);
  return parents === null ? null : { type: 'parents', node: parents[1] as string };
}
