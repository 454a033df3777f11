export { int } from '../read-model.ts';
import {
  int,
  onnx,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
  type AttributeProto,
} from '../read-model.ts';

/** A static dim, a symbolic dim name, or null where the graph does not say. */
export type Dim = number | string | null;

/** Edges of one graph, indexed by tensor name; node positions follow the file's topological order. */
export interface GraphIndex {
  graph: GraphProto;
  nodes: NodeProto[];
  producer: Map<string, number>;
  consumers: Map<string, number[]>;
  initializers: Map<string, TensorProto>;
  valueInfo: Map<string, ValueInfoProto>;
  graphOutputs: Set<string>;
}

/** Indexes a graph's producers, consumers, initializers and known value shapes. */
export function indexGraph(graph: GraphProto): GraphIndex {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    for (const out of node.output ?? []) if (out !== '') producer.set(out, i);
    for (const input of node.input ?? []) {
      if (input === '') continue;
      const list = consumers.get(input) ?? [];
      if (!list.includes(i)) list.push(i);
      consumers.set(input, list);
    }
  });
  const valueInfo = new Map<string, ValueInfoProto>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])])
    valueInfo.set(v.name ?? '', v);
  return {
    graph,
    nodes,
    producer,
    consumers,
    valueInfo,
    initializers: new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t])),
    graphOutputs: new Set((graph.output ?? []).map((o) => o.name ?? '')),
  };
}

export const nodeName = (g: GraphIndex, i: number): string => g.nodes[i]?.name || `${g.nodes[i]?.opType ?? '?'}#${i}`;
export const opOf = (g: GraphIndex, i: number | undefined): string =>
  i === undefined ? '' : (g.nodes[i]?.opType ?? '');
export const isMicrosoft = (node: NodeProto): boolean => node.domain === 'com.microsoft';
export const isOnnxDomain = (node: NodeProto): boolean =>
  node.domain === '' || node.domain === 'ai.onnx' || node.domain == null;

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a === undefined ? fallback : int(a.i);
}

/** Shape of a tensor from initializers or value_info (graph inputs/outputs included); null if unknown. */
export function shapeOf(g: GraphIndex, tensor: string): Dim[] | null {
  const init = g.initializers.get(tensor);
  if (init) return (init.dims ?? []).map((d) => int(d));
  const dims = g.valueInfo.get(tensor)?.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => (d.dimValue != null && int(d.dimValue) > 0 ? int(d.dimValue) : d.dimParam || null));
}

/** Integer contents of a small constant (initializer or Constant node), e.g. a Reshape target shape. */
export function constInts(g: GraphIndex, tensor: string): number[] | null {
  let t: TensorProto | undefined = g.initializers.get(tensor);
  if (!t) {
    const p = g.producer.get(tensor);
    const node = p === undefined ? undefined : g.nodes[p];
    if (node?.opType === 'Constant') {
      const value = attr(node, 'value');
      t = value?.t ?? undefined;
      if (!t && attr(node, 'value_ints')) return (attr(node, 'value_ints')!.ints ?? []).map((v) => int(v));
    }
  }
  if (!t || t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return null;
  if (t.int64Data && t.int64Data.length > 0) return t.int64Data.map((v) => int(v));
  if (t.int32Data && t.int32Data.length > 0) return [...t.int32Data];
  const raw = t.rawData;
  if (!raw || raw.length === 0) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === onnx.TensorProto.DataType.INT64) {
    return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  if (t.dataType === onnx.TensorProto.DataType.INT32) {
    return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
  }
  return null;
}

/** Walks producers upward from `tensor` through ops in `through`, yielding each node index reached. */
export function* walkUp(
  g: GraphIndex,
  tensor: string,
  through: ReadonlySet<string>,
  maxDepth: number,
): Generator<number> {
  const seen = new Set<number>();
  let frontier = [tensor];
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      const p = g.producer.get(t);
      if (p === undefined || seen.has(p)) continue;
      seen.add(p);
      yield p;
      if (through.has(opOf(g, p))) next.push(...(g.nodes[p]!.input ?? []).filter((x) => x !== ''));
    }
    frontier = next;
  }
}

/** First consumer of `tensor` reached through pass-through ops (Cast, Identity…), with the tensor it consumes. */
export function consumerThrough(
  g: GraphIndex,
  tensor: string,
  op: string,
  through: ReadonlySet<string>,
): { node: number; input: string } | null {
  let frontier = [tensor];
  for (let depth = 0; depth < 4; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      for (const c of g.consumers.get(t) ?? []) {
        const node = g.nodes[c]!;
        if (node.opType === op) return { node: c, input: t };
        if (through.has(node.opType ?? '')) next.push(node.output?.[0] ?? '');
      }
    }
    frontier = next.filter((x) => x !== '');
  }
  return null;
}
