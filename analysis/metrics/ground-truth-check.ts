import { z } from 'zod';
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
});
export type GroundTruthSpec = z.infer<typeof GroundTruthSchema>;

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
export function checkGroundTruth(summary: MetricsSummary, truth: GroundTruthSpec): Check[] {
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
