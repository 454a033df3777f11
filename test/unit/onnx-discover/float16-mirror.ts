import * as ort from 'onnxruntime-node';
import { onnx, type TensorProto } from '../../../analysis/onnx/read-model.ts';
import { float16Tensor, float32ToFloat16Bits } from '../../../analysis/onnx/tensor-proto.ts';
import type { Fixture } from './fixtures.ts';

const T = onnx.TensorProto.DataType;

function halfOf(t: TensorProto): TensorProto {
  if (t.dataType !== T.FLOAT) return t;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const values = raw
    ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
    : Float32Array.from(t.floatData ?? []);
  const dims = (t.dims ?? []).map(Number);
  return { ...float16Tensor(t.name ?? '', dims, values), ...(t.name ? {} : { name: '' }) };
}

/**
 * The float16 mirror of a float32 fixture, as a GPU export writes it (onnxruntime-genai's builder with
 * `-p fp16`, optimum `--fp16`): every float initializer, Constant, graph input/output and value_info and
 * every Cast to float becomes float16; feeds are rounded to float16 (nearest even). The float64
 * references stay those of the float32 inputs, so a check compares within float16 tolerance.
 */
export function float16Mirror(f: Fixture): Fixture {
  const m = onnx.ModelProto.decode(f.bytes);
  const g = m.graph!;
  g.initializer = (g.initializer ?? []).map(halfOf);
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) {
    const tt = v.type?.tensorType;
    if (tt && tt.elemType === T.FLOAT) tt.elemType = T.FLOAT16;
  }
  for (const n of g.node ?? [])
    for (const a of n.attribute ?? []) {
      if (a.t) a.t = halfOf(a.t);
      if (n.opType === 'Cast' && a.name === 'to' && Number(a.i) === T.FLOAT) a.i = T.FLOAT16;
    }
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(f.feeds))
    feeds[k] =
      v.type === 'float32' ? new ort.Tensor('float16', float32ToFloat16Bits(v.data as Float32Array), v.dims) : v;
  return { ...f, bytes: onnx.ModelProto.encode(m).finish(), feeds };
}
