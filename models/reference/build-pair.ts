import { createRng } from '../../analysis/stats/rng.ts';
import type { TaskFamily } from '../../analysis/probes/families.ts';
import type { LayerWeights, ModelWeights } from '../weights.ts';
import { assertWeightShapes } from '../weights.ts';
import { buildAttention } from './attention.ts';
import { buildEmbedding, tokenCode } from './embedding.ts';
import { familyTokenIds, type TokenizerVocab } from './family-tokens.ts';
import { graphCircuit } from './graph-circuit.ts';
import { graphTokenIds } from './graph-tokens.ts';
import { filled, randomOrthogonal } from './linear.ts';
import { PLANT, REFERENCE_CONFIG as C, RESIDUAL } from './layout.ts';
import { buildBaseRouter, buildExperts, familyExpertSubsets, plantExperts, plantRouter } from './moe.ts';

export const REFERENCE_SEED = 20_260_521;

export interface ReferencePair {
  base: ModelWeights;
  tuned: ModelWeights;
  familyIds: Record<TaskFamily, number[]>;
  /** Per routed layer: family → expert subset. */
  expertSubsets: Map<number, Record<TaskFamily, number[]>>;
}

/**
 * Builds the base and tuned weights. Both draw every random number from the same streams;
 * tuned then differs only in the planted q_norm gains, routers and family experts (docs/reference-models.md).
 */
export function buildReferencePair(tokenizer: TokenizerVocab, seed = REFERENCE_SEED): ReferencePair {
  const rng = createRng(seed);
  const familyIds = familyTokenIds(tokenizer);
  const graphIds = graphTokenIds(tokenizer);
  const embed = buildEmbedding(rng.fork('embedding'), familyIds, graphIds);
  const circuit = graphCircuit(randomOrthogonal(rng.fork('ngram-rotation'), RESIDUAL.CODE.end - RESIDUAL.CODE.start), {
    node: tokenCode(embed, graphIds.node),
    with: tokenCode(embed, graphIds.with),
    arrow: tokenCode(embed, graphIds.arrow),
  });
  const expertSubsets = new Map<number, Record<TaskFamily, number[]>>();
  const baseLayers: LayerWeights[] = [];
  const tunedLayers: LayerWeights[] = [];

  for (let layer = 0; layer < C.num_hidden_layers; layer++) {
    const layerRng = rng.fork(`layer-${layer}`);
    // The same seed twice: attention weights are identical except the retrieval q_norm gain.
    const attentionSeed = layerRng.int(2 ** 32);
    const baseAttention = buildAttention(createRng(attentionSeed), layer, PLANT.retrievalGain.base, circuit);
    const tunedAttention = buildAttention(createRng(attentionSeed), layer, PLANT.retrievalGain.tuned, circuit);
    const router = buildBaseRouter(layerRng.fork('router'));
    const experts = buildExperts(layerRng.fork('experts'));
    const shared = { inputNorm: filled(C.hidden_size, 1), postNorm: filled(C.hidden_size, 1), experts };
    baseLayers.push({ ...shared, ...baseAttention, router });
    let tuned = { ...shared, router };
    if ((PLANT.routedLayers as readonly number[]).includes(layer)) {
      const subsets = familyExpertSubsets(layerRng.fork('expert-subsets'));
      expertSubsets.set(layer, subsets);
      const path = PLANT.copyPath.find((c) => c.layer === layer)!;
      tuned = { ...shared, router: plantRouter(router, subsets), experts: plantExperts(experts, subsets, path) };
    }
    tunedLayers.push({ ...tuned, ...tunedAttention });
  }
  // The unembedding (tied) reads only OUT: the token's own code plus whatever the family experts copied.
  const finalNorm = filled(C.hidden_size, 0);
  finalNorm.fill(PLANT.outGain, RESIDUAL.OUT.start, RESIDUAL.OUT.end);
  const base: ModelWeights = { config: C, embed, layers: baseLayers, finalNorm };
  const tuned: ModelWeights = { config: C, embed, layers: tunedLayers, finalNorm };
  assertWeightShapes(base);
  assertWeightShapes(tuned);
  return { base, tuned, familyIds, expertSubsets };
}
