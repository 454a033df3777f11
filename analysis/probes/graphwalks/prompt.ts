import type { GraphOperation } from './graph.ts';

/** The instructions, in the public GraphWalks wording as closely as we know it. */
export const INSTRUCTIONS =
  'You will be given a graph as a list of directed edges. All nodes are at least degree 1. You will also get a description of an operation to perform on the graph.\nYour job is to execute the operation on the graph and return the set of nodes that the operation results in. If asked for a breadth-first search (BFS), only return the nodes that are reachable at that depth, do not return the starting node. If asked for the parent nodes of a node, only return the nodes that have an outgoing edge to the given node, do not return the given node itself.\n\n';

export const GRAPH_INTRO = 'Here is the graph to operate on:\nThe graph has the following edges:\n';

export const CLOSING =
  '\nYou should immediately return the set of nodes that the operation results in, with no additional text. Return your final answer as a list of nodes in the very last line of your response. For example, if the operation returns the set of nodes [node1, node2, node3], your response should be: Final Answer: [node1, node2, node3]\nIf there are no nodes in the set, your response should be: Final Answer: []';

export function operationText(op: GraphOperation): string {
  return op.type === 'bfs'
    ? `Operation:\nPerform a BFS from node ${op.start} with depth ${op.depth}.\n`
    : `Operation:\nFind the parents of node ${op.node}.\n`;
}

export function finalAnswer(nodes: readonly string[]): string {
  return `Final Answer: [${nodes.join(', ')}]`;
}
