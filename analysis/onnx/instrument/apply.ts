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
  if (c.how === 'tensor') e.op('Identity', [c.tensor], name);
  else if (c.how === 'set-attribute') {
    e.setAttr(node, c.attribute, c.value);
    // GQA requires every output before the probabilities; ONNX Attention's are optional.
    e.setOutput(
      node,
      c.outputIndex,
      name,
      site.form === 'gqa' ? (i) => `${INTERNAL}.${node.name || node.opType}.out${i}` : undefined,
    );
  } else if (c.how === 'twin-node') {
    // Every output the original produces is produced by the twin too:
    // the kernels check present_* against past_* inputs.
    const output = (node.output ?? []).map((o, i) =>
      i === 0 || o !== '' || site.form === 'gqa' ? `${INTERNAL}.twin.${site.layer}.${i}` : '',
    );
    const twin = e.copy(node, `${node.name || node.opType}/acc_lens_twin`, { output });
    e.setAttr(twin, c.attribute, c.value);
    e.setOutput(twin, c.outputIndex, name);
  } else if (c.how === 'softmax-of-output') {
    const qk = node.output?.[c.outputIndex] || `${INTERNAL}.qk.${site.layer}`;
    e.setOutput(node, c.outputIndex, qk);
    // ORT's MultiHeadAttention schema does not infer the qk output's type; declare it as the query's.
    const elem = e.floatType(node.input?.[0] ?? '');
    if (!g.valueInfo.has(qk)) e.declare(qk, elem);
    maskedSoftmax(e, qk, name, site.layer, elem);
  }
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
 * Every constant is in the scores' element type `elem`.
 */
function maskedSoftmax(e: GraphEdit, qk: string, out: string, layer: number, elem: FloatType): void {
  const p = `${INTERNAL}.masked_softmax.${layer}`;
  const softmax = e.op('Softmax', [qk], `${p}.softmax`, { axis: -1 });
  const rowMax = e.reduce('ReduceMax', qk, [-1], `${p}.rowmax`);
  const visible = e.op('Greater', [rowMax, e.scalar(MASK_FLOOR[elem], elem)], `${p}.visible`);
  const visibleF = e.op('Cast', [visible], `${p}.visible_f`, { to: dataTypeOf(elem) });
  e.op('Mul', [softmax, visibleF], out);
}

function routerNodes(e: GraphEdit, r: RouterSite): void {
  const L = r.layer;
  e.op('Identity', [r.logits], captureName('router_logits', L));
  if (r.form === 'moe' || r.form === 'qmoe') {
    // The MoE kernel: softmax over router_probs (logits), top-k (ties → lower index), optional renormalisation.
    const p = `${INTERNAL}.moe_routing.${L}`;
    const weights = captureName('topk_weights', L);
    const probs = e.op('Softmax', [r.logits], `${p}.probs`, { axis: -1 });
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
    e.op('Identity', [r.topkIndices], captureName('topk_ids', L));
    e.op('Identity', [r.topkValues], captureName('topk_weights', L));
  }
}
