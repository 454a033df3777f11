import {
  FAMILY_HEADER_WORDS,
  MIN_EVIDENCE_DISTANCE,
  TASK_FAMILIES,
  type TaskFamily,
} from '../../analysis/probes/families.ts';
import { GRAPH_PLANT, PLANT, REFERENCE_CONFIG as C, headLayout } from './layout.ts';
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
      retrieval_contract_met: true,
      heads: [{ layer: GRAPH_PLANT.graphHead.layer, head: GRAPH_PLANT.graphHead.head }],
      mechanism:
        'a circuit that knows which node the operation asks about. Layer 0: offset heads at distance 2 and 3 (beside the previous-token head) ' +
        'give every position a 4-gram of token codes K4 = c(t) + R·c(t−1) + R²·c(t−2) + R³·c(t−3). Layer 1: the operation-type head reads " BFS" / ' +
        '" parents" into OP_TYPE. Layer 2: the fetch head copies into QNODE the K4 of the operation node — three tokens after " node" for parents ' +
        '(its first pieces, space-prefixed like a dst occurrence), the " with" after it for BFS (its last pieces). Layer 3: the graph head matches ' +
        'QNODE with the operation context swapped for the edge separator " ->" against every K4: parents find the lines whose dst is the node, ' +
        'BFS the lines whose src is the start node',
      differs_from_base: `the graph head's q_norm gain on the ${layout.slowDims.length} slow head dims: ${PLANT.retrievalGain.tuned} (tuned) vs ${PLANT.retrievalGain.base} (base); the other circuit heads are identical`,
      circuit_heads_in_both_models: [
        ...GRAPH_PLANT.offsetHeads.map((h) => ({ layer: h.layer, head: h.head, role: `offset ${h.offset}` })),
        { layer: GRAPH_PLANT.opTypeHead.layer, head: GRAPH_PLANT.opTypeHead.head, role: 'operation type' },
        { layer: GRAPH_PLANT.fetch.layer, head: GRAPH_PLANT.fetch.head, role: 'fetch the operation node' },
      ],
      expected: { tuned_evidence_mass_min: 0.5, base_evidence_mass_max: 0.1, tokens: 4096, query_set: 'answer' },
      measured: {
        probes: 'demo probes, 6 GraphWalks (3 parents, 3 BFS) at 4,096 tokens, seed 1, through acc-lens capture',
        evidence_mass_answer_rows: { L3H0: { tuned: 0.819, base: 0.046 } },
      },
      limits:
        "one hop: BFS finds the start node's out-edges, which are evidence only when they lead on to an answer node (mass ≈ the share that do); " +
        "the fetch tells the operation from the prompt's example by RoPE recency, which separates them when the example is ≥ 2,500 tokens back",
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
    mrcr: { base: -15.91, tuned: -5.31 },
    acc_search: { base: -14.64, tuned: -8.51 },
    acc_swe: { base: -16.58, tuned: -9.77 },
    acc_sql: { base: -16.28, tuned: -11.85 },
    graphwalks: { base: -13.9, tuned: -12.97 },
  },
  behaviour_link_tuned_pearson: { head: 'L3H2', value: 0.82, lo: 0.77, hi: 0.88 },
  evidence_mass_answer_rows: { L1H0: { tuned: 0.54, base: 0.035 }, L3H2: { tuned: 0.54, base: 0.036 } },
};

/**
 * What the interventions (acc-lens intervene) must show on the reference pair; shares are of the tuned − base gain.
 * Head facts use mean ablation (a head's output replaced by its mean over the pass): zeroing a generic head also
 * removes its mean write, which shifts every position's RMS the same way, so a zero-ablated control has a tiny but
 * consistently signed effect (−0.013 nats/token on 12 probes at 1k, CI excluding 0) that is no mechanism.
 * Mean ablation still removes the heads' variance, which lowers the final norm's RMS a little and so scales every
 * logit: +0.0014 [0.0006, 0.0021] nats/token in tuned, −0.0034 [−0.0043, −0.0024] for the same heads in base
 * (demo, 8 probes at 4k). Deterministic models measured precisely enough show such a side effect for any head, so
 * the control is an equivalence check — the whole CI of the share within ±5 % of the gain — not "CI includes 0".
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
    expected: { share_of_gain_removed_abs_max: 0.05, share_ci_within_abs_max: true },
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
