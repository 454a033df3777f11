import { decodeTable } from '../../schema/decode.ts';
import { distanceBinEdges } from '../../schema/distance-bins.ts';
import { TABLES } from '../../schema/tables.ts';
import { bootstrapPlan } from '../../stats/bootstrap.ts';
import { createRng } from '../../stats/rng.ts';
import { selectionSplit } from '../../stats/split.ts';
import { unitAttention, type ProbeLayout, type UnitCells } from './attention-unit.ts';
import { computeAttention, type UnitsByModel } from './compute-attention.ts';
import { computeBehaviour } from './compute-behaviour.ts';
import { computeRouting } from './compute-routing.ts';
import type { MetricsContext } from './context.ts';
import type { MetricsOptions } from './options.ts';
import { loadRouting } from './load-routing.ts';
import type { Rows } from './rows.ts';
import type { MetricsSource } from './source.ts';
import { buildSummary, type MetricsSummary } from './summary.ts';

/** Default top-N experts as a share of the expert count: the top 20 of Qwen3-30B-A3B's 128. */
const TOP_EXPERTS_SHARE = 20 / 128;

export type { MetricsOptions } from './options.ts';

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
    layouts.get(id)?.segments.push({
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
  const units: UnitsByModel = [[], []];
  for (const [m, model] of [baseName, tunedName].entries()) {
    for (const id of probeIds) units[m]!.push(await attentionOf(source, model, id, layouts.get(id)!));
  }
  const attention = computeAttention(ctx, units, distanceBinEdges());
  onProgress('routing');
  const routingData = await loadRouting(source, options.models, probeIds, layouts);
  const E = routingData.data.E;
  const topN = options.topN ?? Math.max(1, Math.min(E, Math.round(E * TOP_EXPERTS_SHARE)));
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
): Promise<UnitCells | null> {
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
