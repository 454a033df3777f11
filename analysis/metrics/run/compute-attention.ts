import type { QuerySet } from '../../schema/query-sets.ts';
import { pairedMeans } from '../../stats/paired-means.ts';
import { HEAD_MEAN, metricIndex } from './attention-cells.ts';
import { changeTable, type ChangedLayer } from './attention-change.ts';
import { gatherCells, metricSlice, type CellData, type UnitsByModel } from './attention-gather.ts';
import { headsTable, meanDelta, validOf } from './attention-heads.ts';
import { and, familyMask, headline, orderDesc, type Headline, type MetricsContext } from './context.ts';
import { distanceTable } from './distance-table.ts';
import type { Rows } from './rows.ts';

export type { UnitsByModel } from './attention-gather.ts';

/**
 * The query set whose evidence lift ranks the top heads: the first of these with data. Answer rows
 * are where a retrieval head reads the evidence it copies from; question tokens are the next
 * cleanest; `last` is measured from kept top-k keys only (a lower bound); `all` dilutes with every
 * context token.
 */
export const PRIMARY_QUERY_SETS: readonly QuerySet[] = ['answer', 'question', 'last', 'all'];

/** Heads reported in summary.json's top_heads. */
const TOP_HEADS = 5;

export interface AttentionResult {
  heads: Rows;
  change: Rows;
  distance: Rows;
  primaryQuerySet: QuerySet | null;
  topHeads: Headline[];
  changedLayers: ChangedLayer[];
  /** Per probe evidence lift of the top head for each model (behaviour link), with validity. */
  linkLift: {
    layer: number;
    head: number;
    query_set: string;
    base: Float64Array;
    tuned: Float64Array;
    ok: Uint8Array;
  } | null;
}

/** Attention tables and headlines (docs/metrics.md#attention). */
export function computeAttention(ctx: MetricsContext, units: UnitsByModel, binEdges: Int32Array): AttentionResult {
  const P = ctx.probeIds.length;
  const cells = gatherCells(units, P);
  const heads = headsTable(ctx, cells);
  const { change, changedLayers } = changeTable(ctx, cells);
  const distance = distanceTable(ctx, cells, binEdges);
  const lift = metricIndex('evidence_lift');
  const primary =
    PRIMARY_QUERY_SETS.find((qs) => cells.some((d) => d.id.querySet === qs && validOf(d, lift, P).some((x) => x))) ??
    null;
  const top = primary === null ? [] : topHeads(ctx, cells, primary);
  return {
    heads,
    change,
    distance,
    primaryQuerySet: primary,
    topHeads: top.map((t) => t.headline),
    changedLayers,
    linkLift: top[0]?.link ?? null,
  };
}

/**
 * The heads with the largest Δ evidence lift on the selection probes (family `all`), reported with
 * CIs on the report probes; the first one's per-probe lifts link attention to behaviour.
 */
function topHeads(
  ctx: MetricsContext,
  cells: readonly CellData[],
  primary: QuerySet,
): { headline: Headline; link: NonNullable<AttentionResult['linkLift']> }[] {
  const P = ctx.probeIds.length;
  const lift = metricIndex('evidence_lift');
  const opts = { alpha: ctx.alpha, method: ctx.method, permutations: ctx.permutations, rng: ctx.rng };
  const sel = familyMask(ctx, 0, ctx.split.select);
  const cand = cells.filter((d) => d.id.querySet === primary && d.id.head !== HEAD_MEAN);
  const deltas = cand.map((d) => meanDelta(d, lift, and(sel, validOf(d, lift, P)), P));
  return orderDesc(deltas)
    .slice(0, TOP_HEADS)
    .map((at) => {
      const d = cand[at]!;
      const [base, tuned] = [metricSlice(d.v[0], lift, P), metricSlice(d.v[1], lift, P)];
      const e = pairedMeans(ctx.reportPlan, base, tuned, validOf(d, lift, P), opts);
      const { layer, head } = d.id;
      return {
        headline: headline({ family: 'all', layer, head, query_set: primary, metric: 'evidence_lift' }, e),
        link: {
          layer,
          head,
          query_set: primary,
          base: Float64Array.from(base),
          tuned: Float64Array.from(tuned),
          ok: validOf(d, lift, P),
        },
      };
    });
}
