import { z } from 'zod';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { openRun } from '../../io/index.ts';
import { readJsonFile } from '../../io/json-file.ts';
import { readFileBytes } from '../../io/local-files.ts';
import { runSource } from '../../io/metrics-files.ts';
import { runIntervene } from '../../intervene/run-intervene.ts';
import type { CausalEvidence } from '../../metrics/ground-truth-check.ts';
import { computeCausal } from '../../metrics/run/compute-causal.ts';
import type { MetricsOptions, MetricsOutput } from '../../metrics/run/compute-run.ts';
import { interventionUnitModel, InterventionSpecSchema, type InterventionSpec } from '../../schema/interventions.ts';

/** The parts of ground-truth.json the demo's causal step reads. */
export const CausalTruth = z.object({
  causal: z.record(
    z.string(),
    z.object({
      model: z.enum(['base', 'tuned']),
      heads: z.array(z.object({ layer: z.number(), head: z.number() })).optional(),
      routers_from: z.enum(['base', 'tuned']).optional(),
      layers: z.array(z.number()).optional(),
      head_ablation: z.enum(['zero', 'mean']).optional(),
    }),
  ),
  behaviour: z.object({ expected: z.object({ families: z.array(z.string()) }) }),
  evidence_retrieval_heads: z.array(z.object({ layer: z.number(), head: z.number() })),
  graphwalks: z.object({ heads: z.array(z.object({ layer: z.number(), head: z.number() })).optional() }).optional(),
});

/** The interventions ground-truth.json's `causal` section names, as an `acc-lens intervene` spec. */
export function groundTruthSpec(truth: z.infer<typeof CausalTruth>): InterventionSpec {
  return InterventionSpecSchema.parse({
    interventions: Object.entries(truth.causal).map(([key, f]) => ({
      name: key.replaceAll('_', '-'),
      model: f.model,
      ablate_heads: f.heads ?? [],
      ...(f.head_ablation ? { head_ablation: f.head_ablation } : {}),
      ...(f.routers_from ? { routers_from: { model: f.routers_from, layers: f.layers ?? [] } } : {}),
    })),
  });
}

/**
 * The demo's causal step: the ground truth's interventions on the first `perFamily` probes of each
 * behaviour family (answer log-probs only, so it costs a fraction of the capture), then their effects,
 * plus the GraphWalks evidence mass of the graph heads from the metrics already computed.
 */
export async function demoInterventions(o: {
  truthPath: string;
  probesPath: string;
  base: string;
  tuned: string;
  out: string;
  perFamily: number;
  ep: 'auto' | 'cpu' | 'cuda';
  metrics: MetricsOutput;
  options: MetricsOptions;
}): Promise<CausalEvidence> {
  const truth = await readJsonFile(o.truthPath, CausalTruth, 'ground truth');
  const text = new TextDecoder().decode(await readFileBytes(o.probesPath, 'demo probes'));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const count = new Map<string, number>();
  const kept = lines.filter((l) => {
    const family = (JSON.parse(l) as { family: string }).family;
    if (!truth.behaviour.expected.families.includes(family)) return false;
    count.set(family, (count.get(family) ?? 0) + 1);
    return count.get(family)! <= o.perFamily;
  });
  const subset = `${o.out}.probes.jsonl`;
  await writeFileAtomic(subset, `${kept.join('\n')}\n`);
  const spec = groundTruthSpec(truth);
  await runIntervene({ base: o.base, tuned: o.tuned, probes: subset, out: o.out, spec, ep: o.ep });
  const file = {
    schema: 'acc-lens.interventions/1' as const,
    interventions: spec.interventions.map((iv) => ({ ...iv, unit_model: interventionUnitModel(iv) })),
  };
  const causal = await computeCausal(runSource(await openRun(o.out)), file, o.options);
  const heads = o.metrics.tables.metrics_attention_heads;
  // The heads GraphWalks retrieval is planted in (the graph head), else the evidence-retrieval heads.
  const graphHeads = truth.graphwalks?.heads ?? truth.evidence_retrieval_heads;
  const planted = new Set(graphHeads.map((h) => `${h.layer}/${h.head}`));
  let base = 0,
    tuned = 0,
    n = 0;
  for (let i = 0; heads !== undefined && i < (heads.family?.length ?? 0); i++) {
    if (heads.family![i] !== 'graphwalks' || heads.query_set![i] !== 'answer' || heads.metric![i] !== 'evidence_mass')
      continue;
    if (!planted.has(`${heads.layer![i]}/${heads.head![i]}`)) continue;
    base += Number(heads.base![i]);
    tuned += Number(heads.tuned![i]);
    n++;
  }
  return { causal: causal.summary, ...(n > 0 ? { graphwalksMass: { base: base / n, tuned: tuned / n } } : {}) };
}
