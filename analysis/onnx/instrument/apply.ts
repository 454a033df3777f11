import { indexGraph, int, type GraphIndex } from '../discover/graph.ts';
import type { AttentionSite, RouterSite } from '../discover/index.ts';
import { onnx, type ModelProto, type NodeProto } from '../read-model.ts';
import { captureName, type CaptureTensor, type Instrumentation } from './plan.ts';

const INTERNAL = 'acc_lens.internal';

/**
 * Edits the graph in place so every planned tensor exists under its `acc_lens.*` name (attributes set,
 * outputs added, small nodes appended). Graph outputs are unchanged: call exposeCaptureOutputs for that,
 * or consume the tensors in further in-graph reductions.
 * @example addCaptureTensors(model, planInstrumentation(discoverModel(model)));
 */
export function addCaptureTensors(model: ModelProto, plan: Instrumentation): void {
  const graph = model.graph!;
  const g = indexGraph(graph);
  const added: NodeProto[] = [];
  const wanted = new Set(plan.tensors.map((t) => t.name));
  const opset = defaultOpset(model);
  for (const site of plan.discovery.attention) {
    const name = captureName('attn_probs', site.layer);
    if (wanted.has(name)) added.push(...attentionNodes(g, site, name, opset));
  }
  for (const router of plan.discovery.routers) {
    if (wanted.has(captureName('router_logits', router.layer))) added.push(...routerNodes(router, opset));
  }
  // Constants shared between sites are emitted once.
  const outputs = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  const unique = added.filter(
    (n) => n.opType !== 'Constant' || (!outputs.has(n.output?.[0] ?? '') && outputs.add(n.output?.[0] ?? '')),
  );
  graph.node = [...(graph.node ?? []), ...unique];
}

/**
 * Adds the given capture tensors as graph outputs (element type and rank declared; sizes left symbolic).
 * @example exposeCaptureOutputs(model, plan.tensors);
 */
export function exposeCaptureOutputs(model: ModelProto, tensors: readonly CaptureTensor[]): void {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  for (const t of tensors) {
    if (existing.has(t.name)) continue;
    // No declared type: ONNX Runtime infers it, and a float16 model's probabilities stay float16 rather than failing a float32 declaration.
    graph.output = [...(graph.output ?? []), onnx.ValueInfoProto.create({ name: t.name })];
  }
}

export function instrumentModel(model: ModelProto, plan: Instrumentation): ModelProto {
  addCaptureTensors(model, plan);
  exposeCaptureOutputs(model, plan.tensors);
  return model;
}

function attentionNodes(g: GraphIndex, site: AttentionSite, name: string, opset: number): NodeProto[] {
  const node = g.nodes[site.nodeIndex]!;
  const c = site.capture;
  if (c.how === 'tensor') return [identity(c.tensor, name)];
  if (c.how === 'set-attribute') {
    setAttr(node, c.attribute, c.value);
    setOutput(node, c.outputIndex, name, site.form === 'gqa');
    return [];
  }
  if (c.how === 'twin-node') {
    const twin = onnx.NodeProto.fromObject(onnx.NodeProto.toObject(onnx.NodeProto.create(node)));
    twin.name = `${node.name || node.opType}/acc_lens_twin`;
    // GQA requires its present key/value outputs; ONNX Attention's are optional.
    // Every output the original produces is produced by the twin too: the kernels check present_* against past_* inputs.
    twin.output = (node.output ?? []).map((o, i) =>
      i === 0 || o !== '' || site.form === 'gqa' ? `${INTERNAL}.twin.${site.layer}.${i}` : '',
    );
    setAttr(twin, c.attribute, c.value);
    setOutput(twin, c.outputIndex, name, false);
    return [twin];
  }
  if (c.how === 'softmax-of-output') {
    const qk = node.output?.[c.outputIndex] || `${INTERNAL}.qk.${site.layer}`;
    setOutput(node, c.outputIndex, qk, false);
    // ORT's MultiHeadAttention schema does not infer the qk output's type; declare it as the query's.
    const elemType =
      g.valueInfo.get(node.input?.[0] ?? '')?.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT;
    if (!g.valueInfo.has(qk))
      g.graph.valueInfo = [
        ...(g.graph.valueInfo ?? []),
        onnx.ValueInfoProto.create({ name: qk, type: { tensorType: { elemType } } }),
      ];
    return maskedSoftmax(qk, name, site.layer, opset);
  }
  return [];
}

/**
 * Softmax over pre-softmax scores where ORT writes masked keys as float lowest (−3.4e38): masked keys
 * come out 0, and a row with every key masked comes out all 0 (a plain Softmax would make it uniform).
 */
function maskedSoftmax(qk: string, out: string, layer: number, opset: number): NodeProto[] {
  const p = `${INTERNAL}.masked_softmax.${layer}`;
  const [axes, axesNode] = constInt64([-1]);
  const [floor, floorNode] = constFloat(-1e30);
  const reduceMax =
    opset >= 18
      ? node('ReduceMax', [qk, axes], [`${p}.rowmax`], { keepdims: 1 })
      : node('ReduceMax', [qk], [`${p}.rowmax`], { keepdims: 1, axes: [-1] });
  return [
    axesNode,
    floorNode,
    node('Softmax', [qk], [`${p}.softmax`], { axis: -1 }),
    reduceMax,
    node('Greater', [`${p}.rowmax`, floor], [`${p}.visible`]),
    node('Cast', [`${p}.visible`], [`${p}.visible_f`], { to: onnx.TensorProto.DataType.FLOAT }),
    node('Mul', [`${p}.softmax`, `${p}.visible_f`], [out]),
  ];
}

function routerNodes(r: RouterSite, opset: number): NodeProto[] {
  const L = r.layer;
  const out = [identity(r.logits, captureName('router_logits', L))];
  if (r.form === 'moe' || r.form === 'qmoe') {
    // The MoE kernel: softmax over router_probs (logits), top-k (ties → lower index), optional renormalisation.
    const p = `${INTERNAL}.moe_routing.${L}`;
    const k = r.topK ?? 1;
    const weights = captureName('topk_weights', L);
    const [kName, kNode] = constInt64([k]);
    const [axes, axesNode] = constInt64([-1]);
    out.push(
      kNode,
      axesNode,
      node('Softmax', [r.logits], [`${p}.probs`], { axis: -1 }),
      node('TopK', [`${p}.probs`, kName], [r.normalize ? `${p}.values` : weights, captureName('topk_ids', L)], {
        axis: -1,
        largest: 1,
        sorted: 1,
      }),
    );
    if (r.normalize) {
      const sum =
        opset >= 13
          ? node('ReduceSum', [`${p}.values`, axes], [`${p}.sum`], { keepdims: 1 })
          : node('ReduceSum', [`${p}.values`], [`${p}.sum`], { keepdims: 1, axes: [-1] });
      out.push(sum, node('Div', [`${p}.values`, `${p}.sum`], [weights]));
    }
    return out;
  }
  if (r.topkIndices && r.topkValues) {
    out.push(
      identity(r.topkIndices, captureName('topk_ids', L)),
      identity(r.topkValues, captureName('topk_weights', L)),
    );
  }
  return out;
}

function setAttr(n: NodeProto, name: string, value: number): void {
  const rest = (n.attribute ?? []).filter((a) => a.name !== name);
  n.attribute = [...rest, onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })];
}

/** Puts `name` at output `index`, filling skipped optional outputs with '' (or internal names where the op requires them). */
function setOutput(n: NodeProto, index: number, name: string, requireAll: boolean): void {
  const outs = [...(n.output ?? [])];
  for (let i = 0; i < index; i++)
    if (outs[i] === undefined || outs[i] === '')
      outs[i] = requireAll ? `${INTERNAL}.${n.name || n.opType}.out${i}` : '';
  outs[index] = name;
  n.output = outs;
}

function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return int(entry?.version ?? 0);
}

type AttrValue = number | number[];
function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
  );
  return onnx.NodeProto.create({ opType, input, output, attribute, name: `acc_lens/${opType}/${output[0]}` });
}

const identity = (from: string, to: string): NodeProto => node('Identity', [from], [to]);

// Constants as Constant nodes (not initializers) so an instrumented copy never needs new external data.
function constInt64(values: number[]): [string, NodeProto] {
  const name = `${INTERNAL}.const.i64.${values.join('_')}`;
  return [
    name,
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
  ];
}
function constFloat(value: number): [string, NodeProto] {
  const name = `${INTERNAL}.const.f32.${value}`;
  return [
    name,
    onnx.NodeProto.create({
      opType: 'Constant',
      output: [name],
      name: `acc_lens/const/${name}`,
      attribute: [
        {
          name: 'value',
          type: onnx.AttributeProto.AttributeType.TENSOR,
          t: { dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [value] },
        },
      ],
    }),
  ];
}
