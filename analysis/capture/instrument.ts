import { join, resolve } from 'node:path';
import { AccLensError } from '../errors.ts';
import { fileSize, makeTempDir } from '../io/local-files.ts';
import { discoverModel } from '../onnx/discover/index.ts';
import { indexGraph, int } from '../onnx/discover/graph.ts';
import { addCaptureTensors, planInstrumentation, writeModel, type Instrumentation } from '../onnx/instrument/index.ts';
import { defaultOpset, removeDeadNodes } from '../onnx/edit/index.ts';
import type { AttentionSite } from '../onnx/discover/index.ts';
import { onnx, readModel, type ModelProto } from '../onnx/read-model.ts';
import { narrowLogitHead } from './logit-head.ts';
import type { CapturePlan } from './plan.ts';
import { appendReductions, type ReducedLayout } from './reduce-graph.ts';
import { configMetadata } from './model-config.ts';
import { KV_NAMINGS, pastLayers } from './session-kv-names.ts';

/** File name of the instrumented copy in its folder. */
export const INSTRUMENTED_FILE = 'model.capture.onnx';

/** Sizes that the memory estimate and the encoders need, read from the graph. */
export interface ModelShape {
  /** false without KV-cache inputs: capture then runs each probe in one chunk (chunk = T); default true. */
  cache?: boolean;
  layers: number;
  queryHeads: number;
  kvHeads: number;
  headDim: number;
  /** Bytes per KV-cache element: 2 for a float16 cache, else 4. */
  kvBytes?: number;
  experts: number;
  topK: number;
  /** Rows of the token-embedding table: every input id must be below this. */
  embeddingRows: number | null;
  fileBytes: number;
}

export interface InstrumentedModel {
  /** The instrumented copy (in a temporary folder; `dispose()` removes it). */
  path: string;
  layout: ReducedLayout;
  shape: ModelShape;
  form: string;
  /** The original model's external data files (absolute paths); empty when its weights are inline. */
  externalData: string[];
  dispose(): void;
}

/**
 * Instruments a decoder for capture: finds attention and routers (coded error naming the nodes when a
 * layer's cannot be captured), adds the capture tensors, the in-graph reductions and the narrowed LM head,
 * and writes the copy to `o.outDir` (capture: inside the run folder, `dispose()` leaves it) or a temporary
 * folder (`dispose()` removes it). Example: `const m = instrumentForCapture('base.onnx', plan)`.
 */
export function instrumentForCapture(
  modelPath: string,
  plan: CapturePlan,
  o: { outDir?: string } = {},
): InstrumentedModel {
  const loaded = readModel(modelPath);
  const { model } = loaded;
  if (defaultOpset(model) < 13)
    throw new AccLensError(
      'E_ONNX_CONTRACT',
      `${modelPath}: opset ${defaultOpset(model)}; the in-graph reductions need opset 13 or newer`,
      'Re-export the model with opset ≥ 13.',
    );
  const inst = planInstrumentation(discoverModel(model));
  const shape = modelShape(modelPath, model, inst);
  checkCapturable(modelPath, inst, shape, plan);
  // The estimate scales with the head counts: unknown ones are an error, never 1 (issue 11: off by 3–5×).
  if (shape.queryHeads === 0) throw unknownHeads(modelPath, inst.discovery.attention);
  addCaptureTensors(model, inst);
  const layout = appendReductions(model, inst, plan);
  layout.narrowedHead = narrowLogitHead(model, plan.answer_logprobs);
  removeDeadNodes(model);
  const dir = o.outDir === undefined ? makeTempDir('acc-lens-capture-') : { path: o.outDir, dispose: () => undefined };
  const path = writeModel(loaded, model, join(dir.path, INSTRUMENTED_FILE));
  const form = metadata(model, 'acc_lens.form') ?? inst.discovery.attention[0]?.form ?? 'unknown';
  const externalData = loaded.externalDataFiles.map((f) => resolve(loaded.dir, f));
  return { path, layout, shape, form, externalData, dispose: dir.dispose };
}

function checkCapturable(path: string, inst: Instrumentation, shape: ModelShape, plan: CapturePlan): void {
  const attentionLayers = new Set(inst.tensors.filter((t) => t.kind === 'attn_probs').map((t) => t.layer));
  const routed = new Set(inst.tensors.filter((t) => t.kind === 'topk_ids').map((t) => t.layer));
  const nodes = (what: 'attention' | 'router') =>
    inst.uncapturable.filter((u) => u.what === what).map((u) => `${u.node} (${u.op || '?'}: ${u.reason})`);
  const attentionWanted = plan.segments || plan.distance !== null || plan.rows !== null;
  if (attentionWanted && attentionLayers.size < shape.layers) {
    const missing = Array.from({ length: shape.layers }, (_, L) => L).filter((L) => !attentionLayers.has(L));
    const listed = nodes('attention');
    throw new AccLensError(
      'E_ONNX_CONTRACT',
      `${path}: attention of layer(s) ${missing.join(', ')} cannot be captured${listed.length > 0 ? `; nodes: ${listed.join('; ')}` : ' (no attention site found: neither MatMul→Softmax→MatMul nor a fused attention op)'}`,
      'Export with an attention form acc-lens reads (docs/instrumentation.md), or set "segments": false, "distance": null, "rows": null in the plan.',
    );
  }
  if ((plan.routing || plan.router_probs) && routed.size === 0) {
    // A Softmax that is neither attention nor router is reported under attention; list it here too.
    const listed = [...nodes('router'), ...nodes('attention').filter((n) => / router /.test(n))];
    throw new AccLensError(
      'E_ONNX_CONTRACT',
      `${path}: no router found${listed.length > 0 ? `; nodes: ${listed.join('; ')}` : ' (no Softmax→TopK, TopK→Softmax or MoE/QMoE router)'}`,
      'For a dense model set "routing": false (and "router_probs": false) in the plan (--plan).',
    );
  }
}

function metadata(model: ModelProto, key: string): string | undefined {
  return (model.metadataProps ?? []).find((p) => p.key === key)?.value ?? undefined;
}

function modelShape(path: string, model: ModelProto, inst: Instrumentation): ModelShape {
  const g = indexGraph(model.graph!);
  const config = configMetadata(
    path,
    Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  );
  const inputs = g.graph.input ?? [],
    names = inputs.map((i) => i.name ?? '');
  const naming = KV_NAMINGS.find((n) => pastLayers(n, names) > 0);
  const pastLayerCount = naming ? pastLayers(naming, names) : 0;
  const firstPast = naming ? inputs.find((i) => i.name === naming.past(0, 'key')) : undefined;
  const pastDims = (firstPast?.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue != null ? int(d.dimValue) : undefined,
  );
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  const sites = inst.discovery.attention;
  const routers = inst.discovery.routers;
  const gather = g.nodes.find(
    (n) => n.opType === 'Gather' && n.input?.[1] === 'input_ids' && g.initializers.has(n.input?.[0] ?? ''),
  );
  const table = gather ? g.initializers.get(gather.input![0]!) : undefined;
  // Without KV-cache inputs the layer count comes from the discovered attention sites, else the config.
  const siteLayers = new Set(sites.map((s) => s.layer)).size;
  const fromSites = (pick: (s: (typeof sites)[number]) => unknown) =>
    Math.max(0, ...sites.map((s) => num(pick(s)) ?? 0));
  // 0 = unknown: instrumentForCapture refuses it after the more specific checks.
  const queryHeads = fromSites((s) => s.queryHeads) || (num(config.num_attention_heads) ?? 0);
  const kvHeads = num(pastDims[1]) ?? num(config.num_key_value_heads) ?? (fromSites((s) => s.kvHeads) || queryHeads);
  return {
    cache: pastLayerCount > 0,
    layers: pastLayerCount > 0 ? pastLayerCount : siteLayers > 0 ? siteLayers : (num(config.num_hidden_layers) ?? 0),
    queryHeads,
    kvHeads,
    headDim: num(pastDims[3]) ?? num(config.head_dim) ?? (fromSites((s) => s.headDim) || 128),
    kvBytes: firstPast?.type?.tensorType?.elemType === onnx.TensorProto.DataType.FLOAT16 ? 2 : 4,
    experts: Math.max(0, ...routers.map((r) => num(r.experts) ?? 0)),
    topK: Math.max(0, ...routers.map((r) => r.topK ?? 0)),
    embeddingRows: table?.dims?.[0] !== undefined ? int(table.dims[0]) : (num(config.vocab_size) ?? null),
    fileBytes: fileSize(path),
  };
}

function unknownHeads(path: string, sites: readonly AttentionSite[]): AccLensError {
  const where =
    sites.length > 0
      ? `attention ${sites
          .slice(0, 3)
          .map((s) => s.node)
          .join(
            ', ',
          )}${sites.length > 3 ? ', …' : ''} (no head count in Reshape targets, projection weights or value_info)`
      : 'no attention site found and no acc_lens.config metadata';
  return new AccLensError(
    'E_ONNX_CONTRACT',
    `${path}: cannot tell how many attention heads the model has — ${where}; the memory estimate needs them`,
    'Run shape inference on the model (python -m onnxruntime.tools.symbolic_shape_infer --input M.onnx --output M.shaped.onnx, or onnx.shape_inference.infer_shapes(model, data_prop=True)) and capture the result, or export with value_info; see docs/bad-input.md.',
  );
}
