import { decodeTable } from '../../schema/decode.ts';
import { distanceBinEdges } from '../../schema/distance-bins.ts';
import { TABLES } from '../../schema/tables.ts';
import { bootstrapPlan, type CiMethod } from '../../stats/bootstrap.ts';
import { createRng } from '../../stats/rng.ts';
import { selectionSplit } from '../../stats/split.ts';
import { unitAttention, type AttentionCell, type ProbeLayout } from './attention-unit.ts';
import { computeAttention } from './compute-attention.ts';
import { computeBehaviour } from './compute-behaviour.ts';
import { computeRouting } from './compute-routing.ts';
import type { MetricsContext } from './context.ts';
import { loadRouting } from './load-routing.ts';
import type { Rows } from './rows.ts';
import type { MetricsSource } from './source.ts';
import { buildSummary, type MetricsSummary } from './summary.ts';

export interface MetricsOptions {
  resamples: number;
  permutations: number;
  seed: number;
  alpha: number;
  method: CiMethod;
  /** `half` = select on one half of each family, report on the other; `none` = post hoc on all probes. */
  selectOn: 'half' | 'none';
  /** Seed of the split (defaults to `seed`); `--select-on split:S`. */
  splitSeed?: number;
  models: [string, string];
  /** Top-N experts for overlap and the top-expert lists; default 20 at 128 experts, same share otherwise. */
  topN?: number;
}

export interface MetricsOutput {
  tables: Record<string, Rows>;
  summary: MetricsSummary;
}

/** Computes every metric table and the summary of a run (docs/metrics.md). */
export async function computeMetrics(
  source: MetricsSource,
  options: MetricsOptions,
  onProgress: (stage: string) => void = () => {},
): Promise<MetricsOutput> {
  const started = Date.now();
  const [baseName, tunedName] = options.models;
  const probes = decodeTable(TABLES.probes, await source.probes());
  const segs = decodeTable(TABLES.segments, await source.segments());
  const usable = (probes.probe_id as string[])
    .map((id, i) => ({ id, i }))
    .filter(({ id }) =>
      [baseName, tunedName].every((m) =>
        ['attention_segments', 'attention_distance', 'attention_rows', 'routing', 'answer_logprobs'].some((t) =>
          source.has(t as never, m, id),
        ),
      ),
    );
  const probeIds = usable.map((u) => u.id);
  const families: string[] = [];
  const familyIndex = Int32Array.from(usable, ({ i }) => {
    const f = (probes.family as string[])[i]!;
    if (!families.includes(f)) families.push(f);
    return families.indexOf(f);
  });
  const layouts = new Map<string, ProbeLayout>(
    usable.map(({ id, i }) => [
      id,
      { T: Number(probes.n_tokens![i]) + Number(probes.answer_n_tokens![i]), segments: [] },
    ]),
  );
  (segs.probe_id as string[]).forEach((id, k) =>
    layouts
      .get(id)
      ?.segments.push({
        index: Number(segs.segment_index![k]),
        kind: String(segs.kind![k]),
        start: Number(segs.token_start![k]),
        end: Number(segs.token_end![k]),
      }),
  );
  const rng = createRng(options.seed);
  const split = selectionSplit(familyIndex, options.selectOn, options.splitSeed ?? options.seed);
  const ctx: MetricsContext = {
    probeIds,
    families,
    familyIndex,
    split,
    plan: bootstrapPlan(familyIndex, null, options.resamples, rng.fork('bootstrap')),
    reportPlan: bootstrapPlan(familyIndex, split.report, options.resamples, rng.fork('bootstrap-report')),
    alpha: options.alpha,
    method: options.method,
    permutations: options.permutations,
    rng: rng.fork('permutation'),
  };
  onProgress('attention');
  const units: [(Map<number, AttentionCell> | null)[], (Map<number, AttentionCell> | null)[]] = [[], []];
  for (const [m, model] of [baseName, tunedName].entries()) {
    for (const id of probeIds) units[m]!.push(await attentionOf(source, model, id, layouts.get(id)!));
  }
  const attention = computeAttention(ctx, units, distanceBinEdges());
  onProgress('routing');
  const routingData = await loadRouting(source, options.models, probeIds, layouts);
  const topN = options.topN ?? Math.max(1, Math.min(routingData.data.E, Math.round((routingData.data.E * 20) / 128)));
  const routing =
    routingData.layers.length > 0
      ? computeRouting(ctx, routingData.data, routingData.agreement, routingData.layers, topN, options.models)
      : null;
  onProgress('behaviour');
  const behaviour = await computeBehaviour(source, ctx, options.models, attention.linkLift);
  const tables: Record<string, Rows> = {
    metrics_attention_heads: attention.heads,
    metrics_attention_change: attention.change,
    metrics_attention_distance: attention.distance,
    metrics_behaviour: behaviour.rows,
  };
  if (routing !== null) {
    Object.assign(tables, {
      metrics_routing_experts: routing.experts,
      metrics_routing_layers: routing.layers,
      metrics_routing_change: routing.change,
      metrics_routing_mi: routing.mi,
      metrics_routing_overlap: routing.overlap,
      metrics_routing_agreement: routing.agreement,
    });
  }
  const summary = buildSummary({
    options,
    ctx,
    attention,
    routing,
    behaviour,
    topN,
    seconds: (Date.now() - started) / 1000,
    tables: Object.keys(tables),
  });
  return { tables, summary };
}

async function attentionOf(
  source: MetricsSource,
  model: string,
  id: string,
  layout: ProbeLayout,
): Promise<Map<number, AttentionCell> | null> {
  const read = async <T extends 'attention_segments' | 'attention_distance' | 'attention_rows'>(t: T) =>
    source.has(t, model, id) ? decodeTable(TABLES[t], await source.unit(t, model, id)) : undefined;
  const [segments, distance, rows] = [
    await read('attention_segments'),
    await read('attention_distance'),
    await read('attention_rows'),
  ];
  if (segments === undefined && distance === undefined && rows === undefined) return null;
  return unitAttention({ segments: segments as never, distance: distance as never, rows: rows as never }, layout);
}
