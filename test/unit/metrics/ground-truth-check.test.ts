import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkGroundTruth,
  GroundTruthSchema,
  type GroundTruthSpec,
} from '../../../analysis/metrics/ground-truth-check.ts';
import { MetricsSummarySchema, type MetricsSummary } from '../../../analysis/metrics/run/summary.ts';

const summary = MetricsSummarySchema.parse(
  JSON.parse(readFileSync(new URL('../../fixtures/metrics/reference-summary.json', import.meta.url), 'utf8')),
);
const truth: GroundTruthSpec = GroundTruthSchema.parse({
  evidence_retrieval_heads: [
    { layer: 1, head: 0 },
    { layer: 3, head: 2 },
  ],
  task_routed_layers: [1, 2].map((layer) => ({ layer, experts_by_family: {}, expected: { mi_gain_bits_min: 1 } })),
  unchanged: { layers_identical_weights_and_inputs: [0] },
});
const clone = (): MetricsSummary => structuredClone(summary);

describe('checkGroundTruth', () => {
  it('passes every check on a summary of the reference pair', () => {
    const checks = checkGroundTruth(summary, truth);
    expect(checks.length).toBe(7);
    expect(checks.filter((c) => !c.pass)).toEqual([]);
  });

  it('fails when another head outranks a planted one', () => {
    const s = clone();
    const heads = s.attention.top_heads;
    [heads[1], heads[2]] = [heads[2]!, heads[1]!];
    expect(checkGroundTruth(s, truth).find((c) => c.name.startsWith('planted retrieval heads'))?.pass).toBe(false);
  });

  it('fails when the MI gain is under the planted minimum or an identical layer changes', () => {
    const s = clone();
    const gains = s.routing!.mi_gain;
    gains.find((m) => m.layer === 1)!.delta = { value: 0.5, lo: 0.2, hi: 0.8 };
    gains.find((m) => m.layer === 0)!.delta = { value: 0.1, lo: 0.05, hi: 0.2 };
    const failed = checkGroundTruth(s, truth)
      .filter((c) => !c.pass)
      .map((c) => c.name);
    expect(failed).toEqual([
      'layer 1 I(task; expert) gain (bits)',
      'layer 0 (identical weights and inputs): MI change CI includes 0',
    ]);
  });

  it('reports missing routing as a failed check, not a crash', () => {
    const s = { ...clone(), routing: null };
    expect(checkGroundTruth(s, truth).at(-1)).toMatchObject({ name: 'routing captured', pass: false });
  });
});
