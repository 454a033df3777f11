import { indexGraph, type GraphIndex } from '../discover/graph.ts';
import type { AttentionSite, RouterSite } from '../discover/index.ts';
import { dataTypeOf, GraphEdit, type FloatType } from '../edit/index.ts';
import type { ModelProto } from '../read-model.ts';
import { captureName, type CaptureTensor, type Instrumentation } from './plan.ts';

const INTERNAL = 'acc_lens.internal';

/**
 * Edits the graph in place so every planned tensor exists under its `acc_lens.*` name (attributes set,
 * outputs added, small nodes appended). Graph outputs are unchanged: call exposeCaptureOutputs for that,
 * or consume the tensors in further in-graph reductions.
 * @example addCaptureTensors(model, planInstrumentation(discoverModel(model)));
 */
export function addCaptureTensors(model: ModelProto, plan: Instrumentation): void {
  const g = indexGraph(model.graph!);
  const e = new GraphEdit(model);
  const wanted = new Set(plan.tensors.map((t) => t.name));
  for (const site of plan.discovery.attention) {
    const name = captureName('attn_probs', site.layer);
    if (wanted.has(name)) attentionNodes(e, g, site, name);
  }
  for (const router of plan.discovery.routers)
    if (wanted.has(captureName('router_logits', router.layer))) routerNodes(e, router);
  e.commit();
}

/**
 * Adds the given capture tensors as graph outputs (no declared type: a float16 model's stay float16).
 * @example exposeCaptureOutputs(model, plan.tensors);
 */
export function exposeCaptureOutputs(model: ModelProto, tensors: readonly CaptureTensor[]): void {
  const e = new GraphEdit(model);
  for (const t of tensors) e.output(t.name);
}

export function instrumentModel(model: ModelProto, plan: Instrumentation): ModelProto {
  addCaptureTensors(model, plan);
  exposeCaptureOutputs(model, plan.tensors);
  return model;
}

function attentionNodes(e: GraphEdit, g: GraphIndex, site: AttentionSite, name: string): void {
  const node = g.nodes[site.nodeIndex]!;
  const c = site.capture;
  // The op writes its probabilities in the model's float type (`raw`); the capture tensor is float32.
  const raw = `${INTERNAL}.attn_probs_raw.${site.layer}`;
  if (c.how === 'tensor') asFloat32(e, c.tensor, name);
  else if (c.how === 'set-attribute') {
    e.setAttr(node, c.attribute, c.value);
    // GQA requires every output before the probabilities; ONNX Attention's are optional.
    e.setOutput(
      node,
      c.outputIndex,
      raw,
      site.form === 'gqa' ? (i) => `${INTERNAL}.${node.name || node.opType}.out${i}` : undefined,
    );
    asFloat32(e, raw, name, e.floatType(node.input?.[0] ?? ''));
  } else if (c.how === 'twin-node') {
    // Every output the original produces is produced by the twin too:
    // the kernels check present_* against past_* inputs.
    const output = (node.output ?? []).map((o, i) =>
      i === 0 || o !== '' || site.form === 'gqa' ? `${INTERNAL}.twin.${site.layer}.${i}` : '',
    );
    const twin = e.copy(node, `${node.name || node.opType}/acc_lens_twin`, { output });
    e.setAttr(twin, c.attribute, c.value);
    e.setOutput(twin, c.outputIndex, raw);
    asFloat32(e, raw, name, e.floatType(node.input?.[0] ?? ''));
  } else if (c.how === 'softmax-of-output') {
    const qk = node.output?.[c.outputIndex] || `${INTERNAL}.qk.${site.layer}`;
    e.setOutput(node, c.outputIndex, qk);
    // ORT's MultiHeadAttention schema does not infer the qk output's type; declare it as the query's.
    const elem = e.floatType(node.input?.[0] ?? '');
    if (!g.valueInfo.has(qk)) e.declare(qk, elem);
    // Masked in the scores' own type (its lowest value marks masked keys), then Softmax in float32.
    maskedSoftmax(e, qk, name, site.layer, elem);
  }
}

/**
 * `name` = `tensor` in float32: an Identity when it is float32 already, else a Cast. `elem` is the
 * tensor's type where the caller knows it better than inference (an output the editor just added).
 */
function asFloat32(e: GraphEdit, tensor: string, name: string, elem?: FloatType): void {
  const t = elem ?? e.elemType(tensor);
  if (t === 'float32') e.op('Identity', [tensor], name);
  else e.op('Cast', [tensor], name, { to: dataTypeOf('float32') });
}

/**
 * Rows whose every key is masked: ORT writes masked scores as the type's lowest value, so a row
 * maximum at or below this floor means "nothing visible". float16's lowest is −65504, so its floor
 * sits at −2¹⁵ (exact in float16); bfloat16 has float32's range.
 */
const MASK_FLOOR: Record<FloatType, number> = { float32: -1e30, bfloat16: -1e30, float16: -32768 };

/**
 * Softmax over pre-softmax scores where ORT writes masked keys as the type's lowest value: masked
 * keys come out 0, and a row with every key masked comes out all 0 (a plain Softmax would make it uniform).
 * The mask test runs in the scores' element type `elem` (its constant too); the Softmax and `out` in float32.
 */
function maskedSoftmax(e: GraphEdit, qk: string, out: string, layer: number, elem: FloatType): void {
  const p = `${INTERNAL}.masked_softmax.${layer}`;
  const rowMax = e.reduce('ReduceMax', qk, [-1], `${p}.rowmax`);
  const visible = e.op('Greater', [rowMax, e.scalar(MASK_FLOOR[elem], elem)], `${p}.visible`);
  const visibleF = e.op('Cast', [visible], `${p}.visible_f`, { to: dataTypeOf('float32') });
  const scores = elem === 'float32' ? qk : e.op('Cast', [qk], `${p}.qk_f32`, { to: dataTypeOf('float32') });
  const softmax = e.op('Softmax', [scores], `${p}.softmax`, { axis: -1 });
  e.op('Mul', [softmax, visibleF], out);
}

function routerNodes(e: GraphEdit, r: RouterSite): void {
  const L = r.layer;
  // Router logits, ids and weights leave the graph in float32 (a float16 model's are cast up).
  asFloat32(e, r.logits, captureName('router_logits', L));
  if (r.form === 'moe' || r.form === 'qmoe') {
    // The MoE kernel: softmax over router_probs (logits), top-k (ties → lower index), optional renormalisation.
    const p = `${INTERNAL}.moe_routing.${L}`;
    const weights = captureName('topk_weights', L);
    const probs = e.op('Softmax', [captureName('router_logits', L)], `${p}.probs`, { axis: -1 });
    const [values] = e.ops(
      'TopK',
      [probs, e.int64([r.topK ?? 1])],
      [r.normalize ? `${p}.values` : weights, captureName('topk_ids', L)],
      { axis: -1, largest: 1, sorted: 1 },
    );
    if (r.normalize) e.op('Div', [values!, e.reduce('ReduceSum', values!, [-1], `${p}.sum`)], weights);
    return;
  }
  if (r.topkIndices && r.topkValues) {
    asInt64(e, r.topkIndices, captureName('topk_ids', L));
    asFloat32(e, r.topkValues, captureName('topk_weights', L));
  }
}

/** TopK indices are int64 by the op's schema; an export that casts them to int32 is cast back. */
function asInt64(e: GraphEdit, tensor: string, name: string): void {
  if (e.elemType(tensor) === 'int32') e.op('Cast', [tensor], name, { to: dataTypeOf('int64') });
  else e.op('Identity', [tensor], name);
}
