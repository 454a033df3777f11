import { z } from 'zod';
import type { Estimate } from '../stats/bootstrap.ts';
import type { CausalSummaryItem } from './run/compute-causal.ts';
import type { MetricsSummary } from './run/summary.ts';

/** The parts of a reference pair's ground-truth.json that the metrics must recover. */
export const GroundTruthSchema = z.object({
  evidence_retrieval_heads: z.array(z.object({ layer: z.number().int(), head: z.number().int() })),
  task_routed_layers: z.array(
    z.object({
      layer: z.number().int(),
      experts_by_family: z.record(z.string(), z.array(z.number().int())),
      expected: z.object({ mi_gain_bits_min: z.number() }),
    }),
  ),
  unchanged: z.object({ layers_identical_weights_and_inputs: z.array(z.number().int()) }),
  behaviour: z
    .object({
      expected: z.object({
        answer_logprob_gain_nats_per_token_min: z.number(),
        behaviour_link_tuned_pearson_lo_min: z.number(),
      }),
    })
    .optional(),
  causal: z
    .record(z.string(), z.object({ expected: z.record(z.string(), z.union([z.number(), z.boolean()])) }))
    .optional(),
  graphwalks: z
    .object({
      retrieval_contract_met: z.boolean(),
      heads: z.array(z.object({ layer: z.number().int(), head: z.number().int() })).optional(),
    })
    .optional(),
});
export type GroundTruthSpec = z.infer<typeof GroundTruthSchema>;

/** What the causal checks read: the interventions' summary (names = ground-truth causal keys, `_` → `-`) and more. */
export interface CausalEvidence {
  causal: readonly CausalSummaryItem[];
  /** Evidence mass of the GraphWalks heads' answer rows on GraphWalks probes (mean over those heads). */
  graphwalksMass?: { base: number; tuned: number };
}

export interface Check {
  name: string;
  expected: string;
  observed: string;
  pass: boolean;
}

const fmt = (e: { value: number; lo: number; hi: number }, digits = 2) =>
  `${e.value.toFixed(digits)} [${e.lo.toFixed(digits)}, ${e.hi.toFixed(digits)}]`;
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Compares a metrics summary with the planted mechanisms: the planted heads rank first by change
 * in evidence lift, the routed layers rank first by routing change, I(task; expert) grows by at
 * least the planted minimum there, and layers with identical weights and inputs show no change.
 * @example checkGroundTruth(summary, GroundTruthSchema.parse(json)).every((c) => c.pass)
 */
export function checkGroundTruth(summary: MetricsSummary, truth: GroundTruthSpec, evidence?: CausalEvidence): Check[] {
  const checks: Check[] = [];
  const planted = truth.evidence_retrieval_heads.map((h) => `L${h.layer}H${h.head}`);
  const heads = summary.attention.top_heads.filter((h) => h.family === 'all');
  const topHeads = heads.slice(0, planted.length).map((h) => `L${h.layer}H${h.head}`);
  checks.push({
    name: 'planted retrieval heads rank first by Δ evidence lift',
    expected: planted.join(', '),
    observed: topHeads.join(', '),
    pass: sameSet(planted, topHeads),
  });
  for (const h of heads.filter((x) => planted.includes(`L${x.layer}H${x.head}`))) {
    checks.push({
      name: `L${h.layer}H${h.head} Δ evidence lift CI excludes 0`,
      expected: '> 0',
      observed: fmt(h.delta),
      pass: h.delta.lo > 0,
    });
  }
  const routed = truth.task_routed_layers.map((l) => l.layer);
  const routing = summary.routing;
  if (routing === null) {
    checks.push({ name: 'routing captured', expected: 'routing tables', observed: 'none', pass: false });
    return checks;
  }
  const changed = routing.most_changed_layers
    .filter((l) => l.family === 'all')
    .sort((a, b) => b.js_bits.value - a.js_bits.value);
  const topLayers = changed.slice(0, routed.length).map((l) => l.layer);
  checks.push({
    name: 'planted routing layers are the most-changed routing layers',
    expected: routed.join(', '),
    observed: topLayers.join(', '),
    pass: sameSet(routed.map(String), topLayers.map(String)),
  });
  for (const layer of truth.task_routed_layers) {
    const gain = routing.mi_gain.find((m) => m.layer === layer.layer);
    const min = layer.expected.mi_gain_bits_min;
    checks.push({
      name: `layer ${layer.layer} I(task; expert) gain (bits)`,
      expected: `≥ ${min}, CI > 0`,
      observed: gain ? fmt(gain.delta, 3) : 'missing',
      pass: gain !== undefined && gain.delta.value >= min && gain.delta.lo > 0,
    });
  }
  if (truth.behaviour !== undefined) checks.push(...behaviourChecks(summary, truth.behaviour.expected));
  if (evidence !== undefined) checks.push(...causalChecks(truth, evidence));
  for (const layer of truth.unchanged.layers_identical_weights_and_inputs) {
    const gain = routing.mi_gain.find((m) => m.layer === layer);
    checks.push({
      name: `layer ${layer} (identical weights and inputs): MI change CI includes 0`,
      expected: '0 ∈ CI',
      observed: gain ? fmt(gain.delta, 3) : 'missing',
      pass: gain !== undefined && gain.delta.lo <= 0 && gain.delta.hi >= 0,
    });
  }
  return checks;
}

function behaviourChecks(
  summary: MetricsSummary,
  expected: NonNullable<GroundTruthSpec['behaviour']>['expected'],
): Check[] {
  const tuned = summary.behaviour?.correlations.find((c) => c.model === 'tuned');
  const link = summary.behaviour?.link;
  return [
    {
      name: `behaviour link in tuned (${link ? `L${link.layer}H${link.head}` : 'no link head'}: evidence lift vs answer log-prob, Pearson r)`,
      expected: `CI > ${expected.behaviour_link_tuned_pearson_lo_min}`,
      observed: tuned ? fmt(tuned.pearson) : 'missing',
      pass: tuned !== undefined && tuned.pearson.lo > expected.behaviour_link_tuned_pearson_lo_min,
    },
  ];
}

function causalChecks(truth: GroundTruthSpec, evidence: CausalEvidence): Check[] {
  const checks: Check[] = [];
  const item = (key: string) => evidence.causal.find((c) => c.intervention === key.replaceAll('_', '-'));
  const num = (key: string, field: string) => Number(truth.causal?.[key]?.expected[field]);
  const gain: Estimate | undefined = evidence.causal[0]?.gain;
  const minGain = truth.behaviour?.expected.answer_logprob_gain_nats_per_token_min ?? 2;
  checks.push({
    name: 'behaviour gain: tuned − base answer log-prob (nats/token, intervention probes)',
    expected: `≥ ${minGain}, CI > 0`,
    observed: gain ? fmt(gain) : 'missing',
    pass: gain !== undefined && gain.value >= minGain && gain.lo > 0,
  });
  const share = (key: string, name: string, expected: string, ok: (c: CausalSummaryItem) => boolean) => {
    const c = item(key);
    checks.push({
      name,
      expected,
      observed: c ? `share ${c.share_kind} ${fmt(c.share)}, effect ${fmt(c.effect)}` : 'missing',
      pass: c !== undefined && ok(c),
    });
  };
  share(
    'head_ablation',
    'ablating the planted retrieval heads in tuned removes most of the gain',
    `≥ ${num('head_ablation', 'share_of_gain_removed_min')}, effect CI < 0`,
    (c) => c.share.value >= num('head_ablation', 'share_of_gain_removed_min') && c.effect.hi < 0,
  );
  const controlMax = num('control_ablation', 'share_of_gain_removed_abs_max');
  share(
    'control_ablation',
    'ablating as many unplanted heads removes practically none',
    `share CI within ±${controlMax} (equivalence)`,
    (c) => Math.max(Math.abs(c.share.lo), Math.abs(c.share.hi), Math.abs(c.share.value)) <= controlMax,
  );
  share(
    'tuned_routers_into_base',
    "tuned's routers in base (base's experts) bring little of the gain",
    `≤ ${num('tuned_routers_into_base', 'share_of_gain_max')}`,
    (c) => c.share.value <= num('tuned_routers_into_base', 'share_of_gain_max'),
  );
  share(
    'base_routers_into_tuned',
    "base's routers in tuned take most of it away",
    `≥ ${num('base_routers_into_tuned', 'share_of_gain_removed_min')}, effect CI < 0`,
    (c) => c.share.value >= num('base_routers_into_tuned', 'share_of_gain_removed_min') && c.effect.hi < 0,
  );
  if (truth.graphwalks !== undefined && evidence.graphwalksMass !== undefined) {
    const m = evidence.graphwalksMass;
    const met = m.tuned >= 0.5 && m.base <= 0.1;
    checks.push({
      name: `GraphWalks retrieval contract (ground truth: ${truth.graphwalks.retrieval_contract_met ? 'met' : 'not planted'})`,
      expected: truth.graphwalks.retrieval_contract_met
        ? 'tuned ≥ 0.5, base ≤ 0.1'
        : 'not met (tuned < 0.5 or base > 0.1)',
      observed: `evidence mass tuned ${m.tuned.toFixed(3)}, base ${m.base.toFixed(3)}`,
      pass: met === truth.graphwalks.retrieval_contract_met,
    });
  }
  return checks;
}
