import { int, onnx, type ValueInfoProto } from '../../analysis/onnx/read-model.ts';

/** A past input's fixed [Nkv, D] (dims 1 and 3). */
function kvDims(v: ValueInfoProto): [number, number] {
  const d = v.type?.tensorType?.shape?.dim ?? [];
  return [int(d[1]?.dimValue), int(d[3]?.dimValue)];
}

/**
 * The same decoder without a KV cache, as an unfused export without `use_cache` has: every
 * `past_key_values.L.key/value` input becomes an empty [1, Nkv, 0, D] initializer, `present.*` outputs go.
 */
export function withoutKvCache(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const past = (g.input ?? []).filter((i) => /^past_key_values\.\d+\.(key|value)$/.test(i.name ?? ''));
  if (past.length === 0) throw new Error('graph has no past_key_values inputs');
  g.input = (g.input ?? []).filter((i) => !past.includes(i));
  g.initializer = [
    ...(g.initializer ?? []),
    ...past.map((i) => {
      const [nkv, d] = kvDims(i);
      return onnx.TensorProto.create({
        name: i.name!,
        dataType: onnx.TensorProto.DataType.FLOAT,
        dims: [1, nkv, 0, d],
        rawData: new Uint8Array(0),
      });
    }),
  ];
  g.output = (g.output ?? []).filter((o) => !(o.name ?? '').startsWith('present.'));
  return onnx.ModelProto.encode(model).finish();
}

/** The same decoder with every output name rewritten by `rename` (node outputs, consumers and graph outputs). */
export function renameOutputs(bytes: Uint8Array, rename: (name: string) => string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  for (const n of g.node ?? []) {
    n.output = (n.output ?? []).map(rename);
    n.input = (n.input ?? []).map(rename);
  }
  for (const o of g.output ?? []) o.name = rename(o.name ?? '');
  for (const v of g.valueInfo ?? []) v.name = rename(v.name ?? '');
  return onnx.ModelProto.encode(model).finish();
}
