import {
  FAMILY_HEADER_WORDS,
  MIN_EVIDENCE_DISTANCE,
  TASK_FAMILIES,
  type TaskFamily,
} from '../../analysis/probes/families.ts';
import { PLANT, REFERENCE_CONFIG as C, headLayout } from './layout.ts';
import type { ReferencePair } from './build-pair.ts';
import { REFERENCE_SEED } from './build-pair.ts';

/**
 * ground-truth.json: what was planted in the tuned model and what the analysis must recover.
 * Everything not listed here is bit-identical between base and tuned.
 */
export function groundTruth(pair: ReferencePair) {
  const layout = headLayout(C);
  const subsets: Record<string, Record<TaskFamily, number[]>> = {};
  for (const [layer, s] of pair.expertSubsets) subsets[String(layer)] = s;
  return {
    schema: 'acc-lens/ground-truth@1',
    seed: REFERENCE_SEED,
    config: C,
    families: TASK_FAMILIES,
    family_header_words: FAMILY_HEADER_WORDS,
    family_header_token_ids: pair.familyIds,
    evidence_retrieval_heads: PLANT.retrievalHeads.map((h) => ({
      layer: h.layer,
      head: h.head,
      kv_head: h.kvHead,
      mechanism:
        'content matching on token identity: attends from a query token to earlier occurrences of the same token id; ' +
        `codes on the ${layout.slowPairs.length} slowest RoPE pairs, recency notch on the ${layout.fastPairs.length} fastest`,
      differs_from_base: `q_norm gain ${PLANT.retrievalGain.tuned} (tuned) vs ${PLANT.retrievalGain.base} (base) on ${layout.slowDims.length + layout.notchDims.length} head dims`,
      expected: {
        distance_range_tokens: [MIN_EVIDENCE_DISTANCE, 16_384],
        tuned_evidence_mass_min: 0.5,
        base_evidence_mass_max: 0.1,
        query_sets: ['answer', 'question'],
      },
      figures: [
        'attention grid: the largest increase in evidence lift (tuned − base) of all heads',
        'distance profile: tuned moves mass from near bins to the bin of the evidence distance; base stays diffuse',
      ],
    })),
    task_routed_layers: PLANT.routedLayers.map((layer) => ({
      layer,
      experts_by_family: subsets[String(layer)],
      mechanism: `tuned router = base + ${PLANT.routerBoost}·A on the family subspace written by the layer-${PLANT.familyHead.layer} family head; base router weights there are 0`,
      expected: {
        mi_gain_bits_min: 1,
        tuned_mi_bits_approx: Math.log2(TASK_FAMILIES.length),
        above_family_permutation_null: true,
      },
      figures: [
        'routing change (JS divergence base vs tuned): these layers rank at the top',
        'layer × expert usage per task: each family concentrates on its expert subset in tuned, not in base',
      ],
    })),
    family_head: {
      layer: PLANT.familyHead.layer,
      head: PLANT.familyHead.head,
      in_both_models: true,
      mechanism:
        'attends from every position to the family-header tokens (marker on the 8 slowest RoPE pairs) and copies their one-hot family into a residual subspace',
    },
    unchanged: {
      layers_identical_weights_and_inputs: [0],
      note: 'layer 0 (attention and routing) has identical weights and inputs in both models: every base-vs-tuned difference there must have a CI that includes 0. Later layers have identical weights except the planted ones but receive different inputs.',
    },
  };
}

export type GroundTruth = ReturnType<typeof groundTruth>;
