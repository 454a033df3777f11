import { z } from 'zod';
import { distanceBinEdges } from '../../schema/distance-bins.ts';
import { LOCAL_WINDOW_BINS } from '../distance-profile.ts';
import type { AttentionResult } from './compute-attention.ts';
import type { BehaviourResult } from './compute-behaviour.ts';
import type { RoutingResult } from './compute-routing.ts';
import type { MetricsContext } from './context.ts';
import type { MetricsOptions } from './options.ts';

const Est = z.object({ value: z.number(), lo: z.number(), hi: z.number() });
const Headline = z.object({
  family: z.string(),
  layer: z.number().int(),
  head: z.number().int().nullable(),
  query_set: z.string().nullable(),
  metric: z.string(),
  base: Est,
  tuned: Est,
  delta: Est,
  p_value: z.number(),
  n_probes: z.number().int(),
});

/** `RUN/metrics/summary.json` (docs/metrics.md#summary). */
export const MetricsSummarySchema = z.object({
  schema: z.literal('acc-lens/metrics-summary@1'),
  settings: z.object({
    models: z.object({ base: z.string(), tuned: z.string() }),
    resamples: z.number().int(),
    permutations: z.number().int(),
    seed: z.number().int(),
    alpha: z.number(),
    ci_method: z.enum(['percentile', 'bca']),
    select_on: z.enum(['half', 'none']),
    split_seed: z.number().int(),
    local_window_tokens: z.number().int(),
    top_n_experts: z.number().int(),
  }),
  probes: z.object({
    n: z.number().int(),
    by_family: z.record(z.string(), z.number().int()),
    select: z.array(z.string()),
    report: z.array(z.string()),
  }),
  attention: z.object({
    primary_query_set: z.string().nullable(),
    top_heads: z.array(Headline),
    most_changed_layers: z.array(
      z.object({
        family: z.string(),
        query_set: z.string(),
        layer: z.number().int(),
        js_bits: Est,
        p_value: z.number(),
        n_probes: z.number().int(),
      }),
    ),
  }),
  routing: z
    .object({
      most_changed_layers: z.array(
        z.object({
          family: z.string(),
          layer: z.number().int(),
          js_bits: Est,
          p_value: z.number(),
          n_probes: z.number().int(),
        }),
      ),
      mi_gain: z.array(
        z.object({
          layer: z.number().int(),
          base: Est,
          tuned: Est,
          delta: Est,
          p_value: z.number(),
          n_probes: z.number().int(),
          selected: z.boolean(),
        }),
      ),
      top_experts: z.array(
        z.object({
          family: z.string(),
          layer: z.number().int(),
          model: z.string(),
          experts: z.array(z.number().int()),
        }),
      ),
    })
    .nullable(),
  behaviour: z.object({
    link: z.object({ layer: z.number().int(), head: z.number().int(), query_set: z.string() }).nullable(),
    correlations: z.array(
      z.object({ model: z.string(), pearson: Est, spearman: z.number(), n_probes: z.number().int() }),
    ),
    delta_correlation: z.object({ pearson: Est, spearman: z.number(), n_probes: z.number().int() }).nullable(),
  }),
  tables: z.array(z.string()),
  seconds: z.number(),
});
export type MetricsSummary = z.infer<typeof MetricsSummarySchema>;

export function buildSummary(a: {
  options: MetricsOptions;
  ctx: MetricsContext;
  attention: AttentionResult;
  routing: RoutingResult | null;
  behaviour: BehaviourResult;
  topN: number;
  seconds: number;
  tables: string[];
}): MetricsSummary {
  const { ctx, options } = a;
  const byFamily: Record<string, number> = {};
  ctx.familyIndex.forEach((f) => {
    byFamily[ctx.families[f]!] = (byFamily[ctx.families[f]!] ?? 0) + 1;
  });
  const ids = (mask: Uint8Array) => ctx.probeIds.filter((_, i) => mask[i]);
  const routing =
    a.routing === null
      ? null
      : {
          most_changed_layers: a.routing.changedLayers,
          mi_gain: a.routing.miGain,
          top_experts: a.routing.topExperts.filter((t) =>
            a.routing!.changedLayers.some((c) => c.family === t.family && c.layer === t.layer),
          ),
        };
  return MetricsSummarySchema.parse({
    schema: 'acc-lens/metrics-summary@1',
    settings: {
      models: { base: options.models[0], tuned: options.models[1] },
      resamples: options.resamples,
      permutations: options.permutations,
      seed: options.seed,
      alpha: options.alpha,
      ci_method: options.method,
      select_on: options.selectOn,
      split_seed: options.splitSeed ?? options.seed,
      local_window_tokens: distanceBinEdges()[LOCAL_WINDOW_BINS]!,
      top_n_experts: a.topN,
    },
    probes: {
      n: ctx.probeIds.length,
      by_family: byFamily,
      select: ids(ctx.split.select),
      report: ids(ctx.split.report),
    },
    attention: {
      primary_query_set: a.attention.primaryQuerySet,
      top_heads: a.attention.topHeads,
      most_changed_layers: a.attention.changedLayers,
    },
    routing,
    behaviour: {
      link: a.behaviour.link,
      correlations: a.behaviour.correlations,
      delta_correlation: a.behaviour.deltaCorrelation,
    },
    tables: a.tables,
    seconds: Math.round(a.seconds * 1000) / 1000,
  });
}
