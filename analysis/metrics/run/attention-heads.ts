import { pairedMeans } from '../../stats/paired-means.ts';
import { ATTENTION_METRICS, HEAD_MEAN, querySetsOf } from './attention-cells.ts';
import { metricSlice, type CellData } from './attention-gather.ts';
import { and, familyMask, familyRows, maskedMean, orderDesc, type MetricsContext } from './context.ts';
import { COMPARISON_NAMES, comparison, push, rowsOf, type Rows } from './rows.ts';

/** Probes where both models have metric `m` of cell `d`. */
export const validOf = (d: CellData, m: number, P: number): Uint8Array =>
  and(metricSlice(d.ok[0], m, P), metricSlice(d.ok[1], m, P));

/** Mean of tuned − base of metric `m` over the probes in `mask`. */
export function meanDelta(d: CellData, m: number, mask: Uint8Array, P: number): number {
  const b = metricSlice(d.v[0], m, P);
  const t = metricSlice(d.v[1], m, P);
  return maskedMean(
    Float64Array.from(b, (x, i) => t[i]! - x),
    mask,
  );
}

/**
 * `metrics_attention_heads`: one row per family × cell × metric with a paired comparison, plus
 * `rank_select` — the rank of the head's Δ on the selection probes among the heads (not head means)
 * of the same family, query set and metric.
 */
export function headsTable(ctx: MetricsContext, cells: readonly CellData[]): Rows {
  const P = ctx.probeIds.length;
  const opts = { alpha: ctx.alpha, method: ctx.method, permutations: ctx.permutations, rng: ctx.rng };
  const heads = rowsOf(['family', 'layer', 'head', 'query_set', 'metric', ...COMPARISON_NAMES, 'rank_select']);
  const fams = familyRows(ctx);
  for (let f = 0; f < fams.length; f++) {
    const fm = familyMask(ctx, f);
    const sel = familyMask(ctx, f, ctx.split.select);
    for (let m = 0; m < ATTENTION_METRICS.length; m++) {
      const rank = selectionRanks(cells, m, sel, P);
      for (const d of cells) {
        const valid = and(fm, validOf(d, m, P));
        if (!valid.some((x) => x)) continue;
        const e = pairedMeans(ctx.plan, metricSlice(d.v[0], m, P), metricSlice(d.v[1], m, P), valid, opts);
        push(heads, {
          family: fams[f]!,
          layer: d.id.layer,
          head: d.id.head,
          query_set: d.id.querySet,
          metric: ATTENTION_METRICS[m]!,
          ...comparison(e),
          rank_select: rank.get(d) ?? -1,
        });
      }
    }
  }
  return heads;
}

/** Rank (0 = largest Δ on the selection probes `sel`) of every head cell within its query set, for metric m. */
function selectionRanks(cells: readonly CellData[], m: number, sel: Uint8Array, P: number): Map<CellData, number> {
  const rank = new Map<CellData, number>();
  for (const querySet of querySetsOf(cells.map((d) => d.id))) {
    const group = cells.filter((d) => d.id.querySet === querySet && d.id.head !== HEAD_MEAN);
    const deltas = group.map((d) => meanDelta(d, m, and(sel, validOf(d, m, P)), P));
    orderDesc(deltas).forEach((at, r) => rank.set(group[at]!, r));
  }
  return rank;
}
