import { onnx, type ModelProto, type NodeProto } from '../onnx/read-model.ts';

/** Appends nodes, inputs and outputs to a graph under unique `acc_lens.*` names. */
export class GraphEdit {
  readonly nodes: NodeProto[] = [];
  private consts = new Map<string, string>();

  constructor(readonly model: ModelProto) {}

  op(opType: string, inputs: string[], output: string, attrs: Record<string, number | number[]> = {}): string {
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
    );
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [output],
        attribute,
        name: `acc_lens/${opType}/${output}`,
      }),
    );
    return output;
  }

  /** A second output (TopK indices) is passed as `extra`. */
  op2(opType: string, inputs: string[], outputs: [string, string], attrs: Record<string, number>): [string, string] {
    const attribute = Object.entries(attrs).map(([name, i]) =>
      onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
    );
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outputs,
        attribute,
        name: `acc_lens/${opType}/${outputs[0]}`,
      }),
    );
    return outputs;
  }

  /** A Constant node (no initializer, so an instrumented copy never needs new external data). */
  int64(values: number[]): string {
    const key = `i64:${values.join(',')}`;
    const hit = this.consts.get(key);
    if (hit !== undefined) return hit;
    const name = `acc_lens.capture.const.i64.${values.join('_').replace(/-/g, 'm')}`;
    this.nodes.push(
      onnx.NodeProto.create({
        opType: 'Constant',
        output: [name],
        name: `acc_lens/const/${name}`,
        attribute: [
          {
            name: 'value',
            type: onnx.AttributeProto.AttributeType.TENSOR,
            t: { dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values },
          },
        ],
      }),
    );
    this.consts.set(key, name);
    return name;
  }

  input(name: string, elem: 'float32' | 'int64', dims: (number | string)[]): string {
    const elemType = elem === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
    const shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
    this.model.graph!.input = [
      ...(this.model.graph!.input ?? []),
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape } } }),
    ];
    return name;
  }

  output(name: string): void {
    // No declared type: ONNX Runtime infers it (float16 models stay float16).
    this.model.graph!.output = [...(this.model.graph!.output ?? []), onnx.ValueInfoProto.create({ name })];
  }

  /** Adds the appended nodes to the graph (after every existing node: ONNX keeps nodes topologically sorted). */
  commit(): void {
    this.model.graph!.node = [...(this.model.graph!.node ?? []), ...this.nodes];
    this.nodes.length = 0;
  }
}

/** Removes nodes none of whose outputs is consumed or a graph output, until none is left (e.g. the full-vocabulary logits path). */
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

export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  const v = entry?.version ?? 0;
  return typeof v === 'number' ? v : v.toNumber();
}
