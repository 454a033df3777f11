import { dirname } from 'node:path';
import { discoverModel } from '../onnx/discover/index.ts';
import { writeModel } from '../onnx/instrument/index.ts';
import { readModel, type LoadedModel } from '../onnx/read-model.ts';
import type { Intervention } from '../schema/interventions.ts';
import { ablateHeads, biasExperts, EXPERT_LOGIT_OFFSET, transplantRouters } from './graph-rewrite.ts';

const byLayer = <T extends { layer: number }>(xs: readonly T[]): Map<number, T[]> => {
  const out = new Map<number, T[]>();
  for (const x of xs) out.set(x.layer, [...(out.get(x.layer) ?? []), x]);
  return out;
};

/**
 * Writes `outPath`: the model at `paths[iv.model]` with the intervention applied as graph rewrites
 * (head ablation, expert masking/forcing, router transplant from `paths[iv.routers_from.model]`).
 * Works on any graph acc-lens can capture (both forms; imported models with external data).
 * Example: `interveneModel({ base: 'b.onnx', tuned: 't.onnx' }, iv, 'RUN/.acc-lens/interventions/x.onnx')`.
 */
export function interveneModel(paths: { base: string; tuned: string }, iv: Intervention, outPath: string): string {
  const loaded: LoadedModel = readModel(paths[iv.model]);
  const { model } = loaded;
  const where = paths[iv.model];
  const discovery = { ...discoverModel(model), nodes: [...(model.graph?.node ?? [])] };
  if (iv.routers_from !== undefined) {
    const donorPath = paths[iv.routers_from.model];
    const donor = readModel(donorPath);
    transplantRouters(
      model,
      discovery,
      { model: donor.model, discovery: discoverModel(donor.model), dir: dirname(donor.path), path: donorPath },
      iv.routers_from.layers,
      where,
    );
  }
  for (const [layer, heads] of byLayer(iv.ablate_heads))
    ablateHeads(
      model,
      discovery,
      layer,
      heads.map((h) => h.head),
      where,
      iv.head_ablation,
    );
  const bias = new Map<number, Map<number, number>>();
  const put = (layer: number, expert: number, v: number) =>
    bias.set(layer, (bias.get(layer) ?? new Map<number, number>()).set(expert, v));
  for (const e of iv.mask_experts) put(e.layer, e.expert, -EXPERT_LOGIT_OFFSET);
  for (const e of iv.force_experts) put(e.layer, e.expert, EXPERT_LOGIT_OFFSET);
  // Each rewrite keeps the tensor names it interposes on, so later ones find theirs by name.
  for (const [layer, experts] of bias) biasExperts(model, discovery, layer, experts, where);
  return writeModel(loaded, model, outPath);
}
