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
      kind: h.kind,
      mechanism:
        (h.kind === 'induction'
          ? 'induction (copy) on token identity: attends from a query token to the token AFTER each earlier occurrence of the same id ' +
            `(key = the previous token's code written by the layer-${PLANT.previousHead.layer} previous-token head) and copies that token's code into COPY; `
          : 'content matching on token identity: attends from a query token to earlier occurrences of the same token id; ') +
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
    previous_token_head: {
      layer: PLANT.previousHead.layer,
      head: PLANT.previousHead.head,
      in_both_models: true,
      mechanism: `attends to the previous token (per-pair phase e^(−iω) on the ${PLANT.previousPairs} fastest RoPE pairs) and writes its code into PREV, the induction head's key`,
    },
    behaviour: {
      mechanism:
        'copy circuit: the induction head copies the code of the token after the evidence match into COPY; the tuned ' +
        "experts of family f's subset copy it onward for family-f tokens only (silu(gate·FAMILY_f)·x), in series: layer 1 " +
        'COPY → RELAY, layer 2 RELAY → OUT; the tied unembedding reads only OUT (final-norm gain 0 elsewhere), so the ' +
        'copied code raises the log-prob of the next evidence token',
      differs_from_base:
        "the induction head's q_norm gain (sharp in tuned, diffuse in base) and the copy units 0..29 of the planted experts in the routed layers",
      expected: {
        families: ['mrcr', 'acc_search', 'acc_swe', 'acc_sql'],
        answer_logprob_gain_nats_per_token_min: 2,
        /** The metrics' behaviour link (top head, answer rows): Pearson r of evidence lift vs answer log-prob. */
        behaviour_link_tuned_pearson_lo_min: 0,
      },
      measured: BEHAVIOUR_MEASURED,
    },
    causal: CAUSAL_FACTS,
    graphwalks: {
      retrieval_contract_met: false,
      note: 'not planted: a GraphWalks node id appears in about 3 edge lines (nodes = edges / 1.6), only one of which is evidence. The n-gram matcher ceiling (acc-lens probes inspect) — the best evidence mass any head matching the last 1–4 tokens could reach — is 0.20 from the answer rows at 4k (MRCR 0.86), so no token-matching head meets the contract; it needs a head that knows which node the question asks about, which is not built.',
    },
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

/**
 * Measured through `acc-lens capture` (fused graphs) on the demo's probe set at 4k tokens (6 probes per
 * family, seed 1): mean teacher-forced log-prob per answer token. Documentation of what was seen;
 * the tests check `expected`.
 */
const BEHAVIOUR_MEASURED = {
  probes: 'demo probes, 6 per family at 4,096 tokens, seed 1',
  answer_logprob_nats_per_token: {
    mrcr: { base: -18.51, tuned: -3.46 },
    acc_search: { base: -17.88, tuned: -9.71 },
    acc_swe: { base: -18.23, tuned: -9.76 },
    acc_sql: { base: -16.68, tuned: -13.05 },
    graphwalks: { base: -17.44, tuned: -14.86 },
  },
  behaviour_link_tuned_pearson: { head: 'L3H2', value: 0.86, lo: 0.83, hi: 0.9 },
  evidence_mass_answer_rows: { L1H0: { tuned: 0.542, base: 0.035 }, L3H2: { tuned: 0.541, base: 0.035 } },
};

/**
 * What the interventions (acc-lens intervene) must show on the reference pair; shares are of the tuned − base gain.
 * Head facts use mean ablation (a head's output replaced by its mean over the pass): zeroing a generic head also
 * removes its mean write, which shifts every position's RMS the same way, so a zero-ablated control has a tiny but
 * consistently signed effect (−0.013 nats/token on 12 probes at 1k, CI excluding 0) that is no mechanism.
 */
const CAUSAL_FACTS = {
  head_ablation: {
    model: 'tuned',
    head_ablation: 'mean',
    heads: PLANT.retrievalHeads.map((h) => ({ layer: h.layer, head: h.head })),
    expected: { share_of_gain_removed_min: 0.5, ci_excludes_0: true },
  },
  control_ablation: {
    model: 'tuned',
    head_ablation: 'mean',
    heads: [
      { layer: 2, head: 0 },
      { layer: 2, head: 1 },
    ],
    expected: { share_of_gain_removed_abs_max: 0.05, ci_includes_0: true },
  },
  tuned_routers_into_base: {
    model: 'base',
    routers_from: 'tuned',
    layers: [...PLANT.routedLayers],
    expected: { share_of_gain_max: 0.2 },
  },
  base_routers_into_tuned: {
    model: 'tuned',
    routers_from: 'base',
    layers: [...PLANT.routedLayers],
    expected: { share_of_gain_removed_min: 0.5 },
  },
};
