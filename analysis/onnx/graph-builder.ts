import onnxProto from 'onnx-proto';
import {
  DataType,
  float16Tensor,
  float32ToFloat16Bits,
  floatTensor,
  int64Tensor,
  littleEndianBytes,
  type TensorProto,
} from './tensor-proto.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

/** A tensor dimension: a fixed size or a symbolic name such as `batch` or `total_sequence`. */
export type Dim = number | string;
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';
/** The element types a weight or float constant can be stored in. */
export type FloatType = 'float32' | 'float16';

/**
 * A weight's values produced on demand, in order, in pieces (float32, converted when stored), so a
 * model bigger than memory can be streamed to an external data file one piece at a time.
 */
export interface ChunkedValues {
  length: number;
  chunks(): Iterable<Float32Array>;
}

/** Where `externalize` put the weights: one data file, written through `write` in order. */
export interface ExternalDataOptions {
  /** File name relative to the model, as written into each initializer's `location`. */
  location: string;
  /** Appends bytes to the data file. */
  write(bytes: Uint8Array): void;
  /** Weights smaller than this many bytes stay inside the model (default 1024, as onnx.save_model). */
  threshold?: number;
  /** Called after each piece with the bytes written so far (for progress). */
  onBytes?(written: number): void;
}

/** A float16 weight held a finite float32 value beyond ±65504, which would turn into Inf. */
export class Float16OverflowError extends Error {
  constructor(
    readonly tensor: string,
    readonly count: number,
    readonly maxAbs: number,
  ) {
    super(
      `weight ${tensor}: ${count} value(s) beyond the float16 range (max |v| = ${maxAbs}) would become Inf in float16`,
    );
    this.name = 'Float16OverflowError';
  }
}

interface PendingWeight {
  name: string;
  dims: number[];
  elem: FloatType;
  values: Float32Array | ChunkedValues;
}

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
    const threshold = o.threshold ?? 1024;
    let offset = 0;
    const emit = (bytes: Uint8Array) => {
      o.write(bytes);
      offset += bytes.length;
    };
    for (let i = 0; i < this.inits.length; i++) {
      const t = this.inits[i]!;
      if (!('elem' in t)) continue;
      const size = t.values.length * (t.elem === 'float16' ? 2 : 4);
      if (size < threshold) continue;
      const align = size >= 2 ** 20 ? 4096 : 64;
      if (offset % align !== 0) emit(new Uint8Array(align - (offset % align)));
      const start = offset;
      for (const piece of pieces(t)) {
        emit(storedBytes(t, piece));
        o.onBytes?.(offset);
      }
      if (offset - start !== size)
        throw new Error(`weight ${t.name}: produced ${offset - start} bytes, expected ${size}`);
      this.inits[i] = {
        name: t.name,
        dims: t.dims,
        dataType: ELEM[t.elem],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: o.location },
          { key: 'offset', value: String(start) },
          { key: 'length', value: String(size) },
        ],
      };
    }
    return offset;
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

function pieces(t: PendingWeight): Iterable<Float32Array> {
  return t.values instanceof Float32Array ? [t.values] : t.values.chunks();
}

/** One piece in the stored type; float16 refuses finite values that would overflow to Inf. */
function storedBytes(t: PendingWeight, piece: Float32Array): Uint8Array {
  if (t.elem === 'float32') return littleEndianBytes(piece);
  let count = 0,
    maxAbs = 0;
  for (let i = 0; i < piece.length; i++) {
    const a = Math.abs(piece[i]!);
    // 65520 and above round to Inf in float16.
    if (a >= 65520 && a !== Infinity) {
      count++;
      maxAbs = Math.max(maxAbs, a);
    }
  }
  if (count > 0) throw new Float16OverflowError(t.name, count, maxAbs);
  return littleEndianBytes(float32ToFloat16Bits(piece));
}

function inlineTensor(t: PendingWeight): TensorProto {
  const parts = [...pieces(t)].map((p) => storedBytes(t, p));
  const raw = parts.length === 1 ? parts[0]! : concatBytes(parts);
  return { name: t.name, dims: t.dims, dataType: ELEM[t.elem], rawData: raw };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
