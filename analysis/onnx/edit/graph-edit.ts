import { onnx, type ModelProto, type NodeProto } from '../read-model.ts';
import {
  constantTensor,
  dataTypeOf,
  DTYPE_TAG,
  elemTypeOf,
  isFloatType,
  type ElemType,
  type FloatType,
} from './dtype.ts';
import { inferElemTypes } from './elem-types.ts';
import { axesAsInput, defaultOpset } from './opset.ts';

/** Integer attributes (INT or INTS): every attribute acc-lens sets is one. */
export type IntAttrs = Record<string, number | readonly number[]>;

/** An INT or INTS attribute. Example: `intAttribute('axes', [1])`. */
export const intAttribute = (name: string, v: number | readonly number[]) =>
  typeof v === 'number'
    ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
    : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] });

const valueTag = (values: readonly number[]): string =>
  values.map(String).join('_').replaceAll('-', 'm').replaceAll('+', '');

/**
 * The one ONNX graph editor: appends nodes, constants, inputs and outputs to a model under
 * `acc_lens.*` names and edits existing nodes in place. Nodes added here go after every existing
 * node (ONNX keeps nodes topologically sorted) when `commit()` is called; constants are Constant
 * nodes, never initializers, so an edited copy never needs new external data.
 * @example const e = new GraphEdit(model); e.output(e.op('Softmax', ['x'], 'acc_lens.p', { axis: -1 })); e.commit();
 */
export class GraphEdit {
  /** The model's ai.onnx opset: ops whose signature changed between opsets are written for it. */
  readonly opset: number;
  private readonly added: NodeProto[] = [];
  private readonly produced = new Set<string>();
  private types: Map<string, ElemType> | undefined;

  constructor(readonly model: ModelProto) {
    this.opset = defaultOpset(model);
    const g = model.graph!;
    for (const n of g.node ?? []) for (const o of n.output ?? []) if (o !== '') this.produced.add(o);
    for (const t of [...(g.input ?? []), ...(g.initializer ?? [])]) this.produced.add(t.name ?? '');
  }

  /** Appends a node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], output: string, attrs: IntAttrs = {}): string {
    return this.ops(opType, inputs, [output], attrs)[0]!;
  }

  /** Appends a node with several outputs (e.g. TopK's values and indices). */
  ops(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: IntAttrs = {}): string[] {
    this.push(
      onnx.NodeProto.create({
        opType,
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(attrs).map(([name, v]) => intAttribute(name, v)),
        name: `acc_lens/${opType}/${outputs[0]}`,
      }),
    );
    return [...outputs];
  }

  /** Appends a copy of an existing node (same op, domain and attributes) under a new name, inputs and outputs. */
  copy(node: NodeProto, name: string, changes: { input?: string[]; output?: string[] } = {}): NodeProto {
    const twin = onnx.NodeProto.fromObject(onnx.NodeProto.toObject(onnx.NodeProto.create(node)));
    twin.name = name;
    if (changes.input !== undefined) twin.input = changes.input;
    if (changes.output !== undefined) twin.output = changes.output;
    return this.push(twin);
  }

  /** Appends a node built elsewhere; its non-empty outputs must be new tensor names. */
  push(node: NodeProto): NodeProto {
    for (const o of node.output ?? []) {
      if (o === '') continue;
      if (this.produced.has(o)) throw new Error(`GraphEdit: tensor ${o} is already produced in the graph`);
      this.produced.add(o);
    }
    this.added.push(node);
    return node;
  }

  /**
   * A Constant of `elem` (shared by value and shape across every edit of the graph). Float constants
   * take the element type of the tensor they meet: ONNX ops do not promote float32 against float16.
   */
  constant(values: readonly number[], elem: ElemType, dims: readonly number[] = [values.length]): string {
    const shape =
      dims.length === 0 ? 'scalar.' : dims.length === 1 && dims[0] === values.length ? '' : `${dims.join('x')}.`;
    const name = `acc_lens.const.${DTYPE_TAG[elem]}.${shape}${valueTag(values)}`;
    if (this.produced.has(name)) return name;
    this.push(
      onnx.NodeProto.create({
        opType: 'Constant',
        output: [name],
        name: `acc_lens/const/${name}`,
        attribute: [
          {
            name: 'value',
            type: onnx.AttributeProto.AttributeType.TENSOR,
            t: constantTensor(values, elem, dims),
          },
        ],
      }),
    );
    return name;
  }

  /** A 1-D int64 Constant (axes, shapes, k). */
  int64(values: readonly number[]): string {
    return this.constant(values, 'int64');
  }

  /** A scalar float Constant in `elem`. */
  scalar(value: number, elem: FloatType): string {
    return this.constant([value], elem, []);
  }

  /** A reduction over `axes`, with axes as an input or an attribute as the model's opset wants. */
  reduce(opType: string, input: string, axes: readonly number[], output: string, keepdims = 1): string {
    return axesAsInput(opType, this.opset)
      ? this.op(opType, [input, this.int64(axes)], output, { keepdims })
      : this.op(opType, [input], output, { keepdims, axes });
  }

  /** Declares a new graph input. */
  input(name: string, elem: ElemType, dims: readonly (number | string)[]): string {
    if (this.produced.has(name)) throw new Error(`GraphEdit: input ${name} already exists`);
    this.produced.add(name);
    const shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
    const g = this.model.graph!;
    g.input = [
      ...(g.input ?? []),
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: dataTypeOf(elem), shape } } }),
    ];
    return name;
  }

  /** Adds a graph output (once) without a declared type: ONNX Runtime infers it, so a float16 model's stays float16. */
  output(name: string): void {
    const g = this.model.graph!;
    if ((g.output ?? []).some((o) => o.name === name)) return;
    g.output = [...(g.output ?? []), onnx.ValueInfoProto.create({ name })];
  }

  /** Declares a tensor's element type (value_info) where an op's schema does not infer it. */
  declare(name: string, elem: ElemType): void {
    const g = this.model.graph!;
    if ((g.valueInfo ?? []).some((v) => v.name === name)) return;
    this.types?.set(name, elem);
    g.valueInfo = [
      ...(g.valueInfo ?? []),
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: dataTypeOf(elem) } } }),
    ];
  }

  /**
   * The element type of a tensor: what the graph declares (input, output, value_info, initializer) or,
   * where it declares nothing, what inferElemTypes propagates to it from the tensors it is computed from.
   */
  elemType(tensor: string): ElemType | undefined {
    this.types ??= inferElemTypes(this.model.graph!);
    return this.types.get(tensor);
  }

  /**
   * The float type a tensor is computed in: its own (declared or inferred), else the model's (the first
   * float graph input — the KV cache — or output), else float32.
   */
  floatType(tensor?: string): FloatType {
    const own = tensor === undefined ? undefined : this.elemType(tensor);
    if (isFloatType(own)) return own;
    const g = this.model.graph!;
    for (const v of [...(g.input ?? []), ...(g.output ?? [])]) {
      const t = elemTypeOf(v.type?.tensorType?.elemType);
      if (isFloatType(t)) return t;
    }
    return 'float32';
  }

  /**
   * `tensor` in float32: itself when it already is, else a Cast to `output`. Reductions accumulate in
   * float32 (a float16 sum over thousands of keys loses the small masses) and what leaves the graph is float32.
   */
  toFloat32(tensor: string, output: string): string {
    // An unknown type is cast too: a float32 → float32 Cast costs a copy, a mismatched Mul fails the load.
    if (this.elemType(tensor) === 'float32') return tensor;
    this.types?.set(output, 'float32');
    return this.op('Cast', [tensor], output, { to: dataTypeOf('float32') });
  }

  /** Renames output `from` of an existing node (its consumers keep reading `from` unless rewired). */
  renameOutput(node: NodeProto, from: string, to: string): void {
    if (this.produced.has(to)) throw new Error(`GraphEdit: tensor ${to} is already produced in the graph`);
    node.output = (node.output ?? []).map((o) => (o === from ? to : o));
    this.produced.delete(from);
    this.produced.add(to);
  }

  /** Sets (or replaces) an INT attribute of an existing node. */
  setAttr(node: NodeProto, name: string, value: number): void {
    node.attribute = [...(node.attribute ?? []).filter((a) => a.name !== name), intAttribute(name, value)];
  }

  /**
   * Puts `name` at output `index` of an existing (or added) node; skipped optional outputs become ''
   * or, where the op requires every output, `filler(i)`.
   */
  setOutput(node: NodeProto, index: number, name: string, filler?: (i: number) => string): void {
    const outs = [...(node.output ?? [])];
    for (let i = 0; i < index; i++) if (outs[i] === undefined || outs[i] === '') outs[i] = filler?.(i) ?? '';
    if (outs[index] !== name) {
      if (outs[index]) this.produced.delete(outs[index]);
      if (this.produced.has(name)) throw new Error(`GraphEdit: tensor ${name} is already produced in the graph`);
    }
    outs[index] = name;
    for (const o of outs) if (o !== '') this.produced.add(o);
    node.output = outs;
  }

  /** Appends the added nodes to the graph, after every existing node. */
  commit(): void {
    const g = this.model.graph!;
    g.node = [...(g.node ?? []), ...this.added];
    this.added.length = 0;
  }
}
