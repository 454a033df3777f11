import onnxProto from 'onnx-proto';
import {
  externalizeWeights,
  inlineTensor,
  type ChunkedValues,
  type ExternalDataOptions,
  type FloatType,
  type PendingWeight,
} from './graph-weights.ts';
import { DataType, float16Tensor, floatTensor, int64Tensor, type TensorProto } from './tensor-proto.ts';

export { Float16OverflowError, type ChunkedValues, type ExternalDataOptions, type FloatType } from './graph-weights.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

/** A tensor dimension: a fixed size or a symbolic name such as `batch` or `total_sequence`. */
export type Dim = number | string;
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';

/** Attribute values are tagged because JS numbers cannot tell INT from FLOAT. */
export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: TensorProto };

export interface NodeOptions {
  /** Node name; output names derive from it (`<name>_output_<i>`) unless `outputs` names them. */
  name: string;
  outputs?: number | readonly string[];
  domain?: string;
  attrs?: Record<string, Attr>;
}

export interface EncodeOptions {
  /** e.g. `{ '': 17, 'com.microsoft': 1 }` (the empty domain is ai.onnx). */
  opsets: Record<string, number>;
  irVersion?: number;
  producer?: string;
  metadata?: Record<string, string>;
}

const ELEM: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};

function attributeProto(name: string, a: Attr): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: T.FLOATS, floats: [...a.floats] };
  return { name, type: T.TENSOR, t: a.t };
}

function valueInfo(name: string, elem: ElemType, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM[elem], shape: { dim } } } };
}

/**
 * Assembles an ONNX ModelProto with deterministic bytes: names come from the caller and
 * per-name counters, nodes keep insertion order, no timestamps.
 * Example: `const g = new GraphBuilder('m'); g.input('x', 'float32', ['batch', 4]);
 * const [y] = g.node('Relu', ['x'], { name: 'relu' }); g.output(y!, 'float32', ['batch', 4]);`
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inits: (TensorProto | PendingWeight)[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Map<string, number>();
  private readonly consts = new Map<string, string>();

  constructor(private readonly graphName: string) {}

  /** A name not used before: `base`, then `base_1`, `base_2`, … */
  unique(base: string): string {
    const n = this.used.get(base) ?? 0;
    this.used.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  input(name: string, elem: ElemType, dims: readonly Dim[]): string {
    if (this.unique(name) !== name) throw new Error(`duplicate tensor name ${name}`);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: ElemType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  initializer(t: TensorProto): string {
    const name = t.name ?? '';
    if (this.unique(name) !== name) throw new Error(`duplicate tensor name ${name}`);
    this.inits.push(t);
    return name;
  }

  /**
   * A weight from float32 values (an array, or pieces produced on demand), stored as `elem`; returns its
   * name. Pieces are only read when the model is encoded or externalized.
   */
  weight(
    name: string,
    dims: readonly number[],
    data: Float32Array | ChunkedValues,
    elem: FloatType = 'float32',
  ): string {
    const n = dims.reduce((p, d) => p * d, 1);
    if (n !== data.length)
      throw new Error(`tensor ${name}: dims [${dims.join(', ')}] need ${n} elements, got ${data.length}`);
    if (this.unique(name) !== name) throw new Error(`duplicate tensor name ${name}`);
    this.inits.push({ name, dims: [...dims], elem, values: data });
    return name;
  }

  /** Bytes the weights will take when stored (for progress and the 2 GiB check). */
  weightBytes(): number {
    return this.inits.reduce((n, t) => n + ('elem' in t ? t.values.length * (t.elem === 'float16' ? 2 : 4) : 0), 0);
  }

  /** A small int64 constant (axes, shapes), shared between nodes that use the same values. */
  int64(values: readonly number[], scalar = false): string {
    const key = `i64${scalar ? 's' : ''}:${values.join(',')}`;
    const hit = this.consts.get(key);
    if (hit !== undefined) return hit;
    const name = this.unique(`const_i64_${scalar ? 'scalar_' : ''}${values.join('_').replaceAll('-', 'm')}`);
    this.inits.push(int64Tensor(name, scalar ? [] : [values.length], values));
    this.consts.set(key, name);
    return name;
  }

  /** A float scalar constant (float32 unless `elem` says float16), shared by value and type. */
  float(value: number, elem: FloatType = 'float32'): string {
    const tag = elem === 'float16' ? 'f16' : 'f32';
    const key = `${tag}:${value}`;
    const hit = this.consts.get(key);
    if (hit !== undefined) return hit;
    const name = this.unique(`const_${tag}_${this.consts.size}`);
    const data = new Float32Array([value]);
    this.inits.push(elem === 'float16' ? float16Tensor(name, [], data) : floatTensor(name, [], data));
    this.consts.set(key, name);
    return name;
  }

  /** Appends a node; returns its output names. An empty input name marks an omitted optional input. */
  node(opType: string, inputs: readonly string[], o: NodeOptions): string[] {
    const name = this.unique(o.name);
    const outs =
      typeof o.outputs === 'object'
        ? [...o.outputs]
        : Array.from({ length: o.outputs ?? 1 }, (_, i) => `${name}_output_${i}`);
    const attribute = Object.entries(o.attrs ?? {}).map(([k, v]) => attributeProto(k, v));
    this.nodes.push({ name, opType, input: [...inputs], output: outs, domain: o.domain ?? '', attribute });
    return outs;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: readonly string[], o: NodeOptions): string {
    const [out] = this.node(opType, inputs, { ...o, outputs: 1 });
    return out!;
  }

  /**
   * Streams every weight of at least `threshold` bytes to an external data file through `o.write`, in
   * insertion order, each at an aligned offset (4,096 bytes for weights ≥ 1 MiB, so runtimes can map
   * them; 64 otherwise); those initializers then point there (`location`, `offset`, `length`). Call
   * before `encode`. Returns the bytes written.
   */
  externalize(o: ExternalDataOptions): number {
    return externalizeWeights(this.inits, o);
  }

  /** The serialized ModelProto (weights not externalized are stored inline). */
  encode(e: EncodeOptions): Uint8Array {
    const inits = this.inits.map((t) => ('elem' in t ? inlineTensor(t) : t));
    const bytes = inits.reduce((n, t) => n + (t.rawData?.length ?? 0), 0);
    // protobuf messages cannot exceed 2 GiB; bigger models go through externalize() first.
    if (bytes >= 2 ** 31 - 2 ** 20)
      throw new Error(
        `initializers hold ${bytes} bytes, over the 2 GiB protobuf limit; write the weights as external data`,
      );
    const model: onnxProto.onnx.IModelProto = {
      irVersion: e.irVersion ?? 8,
      producerName: e.producer ?? 'acc-lens',
      opsetImport: Object.entries(e.opsets).map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(e.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: inits,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
