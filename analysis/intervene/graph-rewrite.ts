import { AccLensError } from '../errors.ts';
import { initializerBytes, initializerElements } from '../io/initializer-bytes.ts';
import type { AttentionSite, Discovery, RouterSite } from '../onnx/discover/index.ts';
import { consumerThrough, indexGraph, type GraphIndex } from '../onnx/discover/graph.ts';
import { axesAsInput, defaultOpset, GraphEdit, intAttribute, isFloatType, type FloatType } from '../onnx/edit/index.ts';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/read-model.ts';
import { constantNode, interpose, node } from './insert-nodes.ts';

/** Router-logit offset that removes an expert from (−) or forces it into (+) the top-k; float16-safe. */
export const EXPERT_LOGIT_OFFSET = 1e4;

const contract = (what: string, fix?: string) => new AccLensError('E_ONNX_CONTRACT', what, fix);

function attentionSite(d: Discovery, layer: number, path: string): AttentionSite {
  const site = d.attention.find((s) => s.layer === layer);
  if (site === undefined) throw contract(`${path}: no attention found for layer ${layer} (head ablation)`);
  return site;
}

function routerSite(d: Discovery, layer: number, path: string): RouterSite {
  const site = d.routers.find((s) => s.layer === layer);
  if (site === undefined) throw contract(`${path}: no router found for layer ${layer}`);
  return site;
}

function floatTypeOf(model: ModelProto, tensor: string): FloatType {
  const t = new GraphEdit(model).floatType(tensor);
  return isFloatType(t) ? t : 'float32';
}

/**
 * Ablates query heads `heads` of one layer before o_proj: `zero` multiplies their outputs by 0; `mean`
 * replaces each by its mean over the positions of the forward pass (out·mask + mean(out)·(1 − mask)).
 * Unfused: the Softmax's probs·V MatMul output [B, Nq, S, D], mask [1, Nq, 1, 1], mean over axis 2.
 * Fused ops: output 0 [B, S, Nq·D] viewed as [B, S, Nq, D/…], mask [Nq, 1], mean over axis 1.
 * Everything upstream is untouched.
 */
export function ablateHeads(
  model: ModelProto,
  d: Discovery & { nodes: readonly NodeProto[] },
  layer: number,
  heads: number[],
  path: string,
  mode: HeadAblation = 'zero',
): void {
  const site = attentionSite(d, layer, path);
  // Discovery's node indices are of the graph as read; earlier rewrites spliced nodes in since.
  const siteNode = d.nodes[site.nodeIndex]!;
  const nq = typeof site.queryHeads === 'number' ? site.queryHeads : null;
  if (nq === null) throw contract(`${path}: layer ${layer} (${site.node}): the number of query heads is not known`);
  const bad = heads.filter((h) => h >= nq);
  if (bad.length > 0)
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `${path}: layer ${layer} has ${nq} query heads; no head ${bad.join(', ')}`,
    );
  const mask = Array.from({ length: nq }, (_, h) => (heads.includes(h) ? 0 : 1));
  const g = indexGraph(model.graph!);
  const name = `/model/layers.${layer}/acc_lens_ablate_heads`;
  if (site.form === 'unfused') {
    const probs = siteNode.output![0]!;
    const pv = consumerThrough(g, probs, 'MatMul', new Set(['Cast']));
    if (pv === null) throw contract(`${path}: layer ${layer}: no probs·V MatMul after ${site.node}`);
    const ctx = g.nodes[pv.node]!.output![0]!;
    const elem = floatTypeOf(model, ctx);
    interpose(model, ctx, (pre) => [
      constantNode(`${name}/mask`, mask, elem, [1, nq, 1, 1]),
      ...masked(model, name, pre, 2, mask, elem, [1, nq, 1, 1], mode, ctx),
    ]);
    return;
  }
  const out = siteNode.output![0]!;
  const elem = floatTypeOf(model, out);
  interpose(model, out, (pre) => [
    constantNode(`${name}/mask`, mask, elem, [nq, 1]),
    constantNode(`${name}/heads_shape`, [0, 0, nq, -1], 'int64', [4]),
    node('Reshape', `${name}/Reshape_heads`, [pre, `${name}/heads_shape`], [`${name}/heads`]),
    ...masked(model, name, `${name}/heads`, 1, mask, elem, [nq, 1], mode, `${name}/masked`),
    node('Shape', `${name}/Shape`, [pre], [`${name}/shape`]),
    node('Reshape', `${name}/Reshape_back`, [`${name}/masked`, `${name}/shape`], [out]),
  ]);
}

/** Ways to ablate a head: its output zeroed, or replaced by its mean over the positions of the pass. */
export type HeadAblation = 'zero' | 'mean';

/**
 * Nodes computing `output` = `input` · mask (zero) or `input` · mask + mean(`input` over `axis`) · (1 − mask)
 * (mean); `${name}/mask` must already be defined with `dims`.
 */
function masked(
  model: ModelProto,
  name: string,
  input: string,
  axis: number,
  mask: readonly number[],
  elem: FloatType,
  dims: number[],
  mode: HeadAblation,
  output: string,
): NodeProto[] {
  if (mode === 'zero') return [node('Mul', `${name}/Mul`, [input, `${name}/mask`], [output])];
  const mean = axesAsInput('ReduceMean', defaultOpset(model))
    ? [
        constantNode(`${name}/mean_axes`, [axis], 'int64', [1]),
        node('ReduceMean', `${name}/ReduceMean`, [input, `${name}/mean_axes`], [`${name}/mean`]),
      ]
    : [node('ReduceMean', `${name}/ReduceMean`, [input], [`${name}/mean`], [intAttribute('axes', [axis])])];
  return [
    ...mean,
    constantNode(
      `${name}/keep_mean`,
      mask.map((m) => 1 - m),
      elem,
      dims,
    ),
    node('Mul', `${name}/Mul`, [input, `${name}/mask`], [`${name}/kept`]),
    node('Mul', `${name}/Mul_mean`, [`${name}/mean`, `${name}/keep_mean`], [`${name}/mean_part`]),
    node('Add', `${name}/Add_mean`, [`${name}/kept`, `${name}/mean_part`], [output]),
  ];
}

/**
 * Adds −offset (mask) or +offset (force) to chosen experts' router logits in one layer. Masked experts
 * leave the top-k and the others are renormalised by the model's own softmax/top-k/renormalisation;
 * a forced expert is always selected and takes nearly all the gate weight.
 */
export function biasExperts(
  model: ModelProto,
  d: Discovery,
  layer: number,
  bias: Map<number, number>,
  path: string,
): void {
  const site = routerSite(d, layer, path);
  const E = typeof site.experts === 'number' ? site.experts : null;
  if (E === null) throw contract(`${path}: layer ${layer} (${site.node}): the number of experts is not known`);
  const bad = [...bias.keys()].filter((e) => e >= E);
  if (bad.length > 0)
    throw new AccLensError('E_CONFIG_INVALID', `${path}: layer ${layer} has ${E} experts; no expert ${bad.join(', ')}`);
  const values = Array.from({ length: E }, (_, e) => bias.get(e) ?? 0);
  const name = `/model/layers.${layer}/acc_lens_expert_bias`;
  const elem = floatTypeOf(model, site.logits);
  interpose(model, site.logits, (pre) => [
    constantNode(`${name}/bias`, values, elem, [E]),
    node('Add', `${name}/Add`, [pre, `${name}/bias`], [site.logits]),
  ]);
}

/** The router weight initializer of a layer: the initializer input of the node computing its logits. */
function routerWeight(g: GraphIndex, site: RouterSite, path: string): TensorProto {
  const p = g.producer.get(site.logits);
  const producer = p === undefined ? undefined : g.nodes[p];
  const weight = (producer?.input ?? [])
    .map((i) => g.initializers.get(i))
    .find((t) => t !== undefined && (t.dims ?? []).length === 2);
  if (producer === undefined || weight === undefined || !['MatMul', 'Gemm'].includes(producer.opType ?? ''))
    throw contract(
      `${path}: layer ${site.layer}: the router logits ${site.logits} do not come from a MatMul/Gemm with a weight initializer (${producer?.opType ?? 'no producer'})`,
      'Router transplants need the router as MatMul/Gemm(x, W) with W an initializer, as exporters write it.',
    );
  return weight;
}

/** Replaces the router weights of `layers` in `model` with the donor's (same shapes and types), inline. */
export function transplantRouters(
  model: ModelProto,
  d: Discovery,
  donor: { model: ModelProto; discovery: Discovery; dir: string; path: string },
  layers: number[],
  path: string,
): void {
  const g = indexGraph(model.graph!);
  const dg = indexGraph(donor.model.graph!);
  for (const layer of layers) {
    const target = routerWeight(g, routerSite(d, layer, path), path);
    const source = routerWeight(dg, routerSite(donor.discovery, layer, donor.path), donor.path);
    const same =
      target.dataType === source.dataType &&
      initializerElements(target) === initializerElements(source) &&
      JSON.stringify((target.dims ?? []).map(Number)) === JSON.stringify((source.dims ?? []).map(Number));
    if (!same)
      throw contract(
        `${path}: layer ${layer}: router weight ${target.name} [${(target.dims ?? []).join(', ')}] differs in shape or type from ${donor.path}'s ${source.name} [${(source.dims ?? []).join(', ')}]`,
        'Transplant routers only between models of the same architecture.',
      );
    const bytes = initializerBytes(source, donor.dir);
    target.rawData = Uint8Array.from(bytes);
    target.floatData = [];
    target.externalData = [];
    target.dataLocation = 0;
  }
}
