import { N_DISTANCE_BINS } from '../../schema/distance-bins.ts';
import { pairedMeans } from '../../stats/paired-means.ts';
import { HEAD_MEAN } from './attention-cells.ts';
import type { CellData } from './attention-gather.ts';
import { and, familyMask, familyRows, type MetricsContext } from './context.ts';
import { COMPARISON_NAMES, comparison, push, rowsOf, type Rows } from './rows.ts';

/**
 * `metrics_attention_distance`: head-averaged distance profiles per family × layer × query set × bin,
 * base vs tuned with CIs.
 */
export function distanceTable(ctx: MetricsContext, cells: readonly CellData[], edges: Int32Array): Rows {
  const P = ctx.probeIds.length;
  const fams = familyRows(ctx);
  const rows = rowsOf(['family', 'layer', 'query_set', 'bin', 'bin_lo', 'bin_hi', ...COMPARISON_NAMES]);
  const opts = { alpha: ctx.alpha, method: ctx.method, permutations: ctx.permutations, rng: ctx.rng };
  for (const d of cells.filter((c) => c.id.head === HEAD_MEAN)) {
    const valid = and(d.pok[0], d.pok[1]);
    if (!valid.some((x) => x)) continue;
    for (let f = 0; f < fams.length; f++) {
      const v = and(valid, familyMask(ctx, f));
      if (!v.some((x) => x)) continue;
      for (let b = 0; b < N_DISTANCE_BINS; b++) {
        const pick = (m: 0 | 1) => Float64Array.from({ length: P }, (_, i) => d.profile[m][i * N_DISTANCE_BINS + b]!);
        push(rows, {
          family: fams[f]!,
          layer: d.id.layer,
          query_set: d.id.querySet,
          bin: b,
          bin_lo: edges[b]!,
          bin_hi: edges[b + 1]!,
          ...comparison(pairedMeans(ctx.plan, pick(0), pick(1), v, opts)),
        });
      }
    }
  }
  return rows;
}
