import { N_DISTANCE_BINS } from '../../schema/distance-bins.ts';
import type { QuerySet } from '../../schema/query-sets.ts';
import type { Estimate } from '../../stats/bootstrap.ts';
import { bootstrapVector, swapPValues } from '../../stats/bootstrap-vector.ts';
import { jsDivergenceBits } from '../divergence.ts';
import { HEAD_MEAN, querySetsOf } from './attention-cells.ts';
import type { CellData } from './attention-gather.ts';
import { est, familyMask, familyRows, orderDesc, round, type MetricsContext } from './context.ts';
import { push, rowsOf, type Rows } from './rows.ts';

const BINS = N_DISTANCE_BINS;

/** A most-changed layer of one family and query set (summary.json). */
export interface ChangedLayer {
  family: string;
  query_set: string;
  layer: number;
  js_bits: Estimate;
  p_value: number;
  n_probes: number;
}

/** Per head-mean cell and family: JS with CI and p-value on all probes, on the selection half, on the report half. */
interface LayerChange {
  layer: number;
  querySet: QuerySet;
  ci: Estimate[];
  p: Float64Array;
  onSelect: Float64Array;
  onReport: Estimate[];
  pReport: Float64Array;
  n: number[];
  nReport: number[];
}

/**
 * JS divergence (bits) between the weighted mean base and tuned profiles of one head-mean cell, per
 * family row; `swap[i]` exchanges probe i's base and tuned profiles (the permutation null).
 */
function jsPerFamily(
  d: CellData,
  masks: readonly Uint8Array[],
  w: ArrayLike<number>,
  swap: Uint8Array | null,
): Float64Array {
  const P = d.pok[0].length;
  const out = new Float64Array(masks.length);
  masks.forEach((mask, f) => {
    const pb = new Float64Array(BINS);
    const pt = new Float64Array(BINS);
    for (let i = 0; i < P; i++) {
      const wi = w[i]!;
      if (wi === 0 || !mask[i] || !d.pok[0][i] || !d.pok[1][i]) continue;
      const [a, b] = swap?.[i] ? [1, 0] : [0, 1];
      for (let k = 0; k < BINS; k++) {
        pb[k]! += wi * d.profile[a]![i * BINS + k]!;
        pt[k]! += wi * d.profile[b]![i * BINS + k]!;
      }
    }
    out[f] = jsDivergenceBits(pb, pt);
  });
  return out;
}

function layerChange(ctx: MetricsContext, d: CellData, masks: readonly Uint8Array[]): LayerChange {
  const js = (w: ArrayLike<number>, swap: Uint8Array | null = null) => jsPerFamily(d, masks, w, swap);
  const both = (i: number) => d.pok[0][i] && d.pok[1][i];
  const count = (include?: Uint8Array) =>
    masks.map((mask) =>
      mask.reduce((s, x, i) => s + (x && (include === undefined || include[i]) && both(i) ? 1 : 0), 0),
    );
  return {
    layer: d.id.layer,
    querySet: d.id.querySet,
    ci: bootstrapVector(ctx.plan, (w) => js(w), ctx),
    p: swapPValues(ctx.plan.include, ctx.permutations, ctx.rng, (swap) => js(ctx.plan.include, swap)),
    onSelect: js(ctx.split.select),
    onReport: bootstrapVector(ctx.reportPlan, (w) => js(w), ctx),
    pReport: swapPValues(ctx.reportPlan.include, ctx.permutations, ctx.rng, (swap) => js(ctx.reportPlan.include, swap)),
    n: count(),
    nReport: count(ctx.reportPlan.include),
  };
}

const CHANGE_COLUMNS = [
  'family',
  'layer',
  'query_set',
  'js_bits',
  'js_lo',
  'js_hi',
  'p_value',
  'n_probes',
  'rank_select',
];

/** Most-changed layers kept per family and query set. */
const TOP_LAYERS = 3;

/**
 * `metrics_attention_change` (JS between head-averaged distance profiles per family × layer × query
 * set, with CIs, p-values and selection ranks) and the TOP_LAYERS most-changed layers per family and
 * query set, chosen on the selection probes and reported on the report probes.
 */
export function changeTable(
  ctx: MetricsContext,
  cells: readonly CellData[],
): { change: Rows; changedLayers: ChangedLayer[] } {
  const change = rowsOf(CHANGE_COLUMNS);
  const fams = familyRows(ctx);
  const masks = fams.map((_, f) => familyMask(ctx, f));
  const means = cells.filter((d) => d.id.head === HEAD_MEAN && d.pok[0].some((x) => x));
  const perLayer = means.map((d) => layerChange(ctx, d, masks));
  const changedLayers: ChangedLayer[] = [];
  for (const querySet of querySetsOf(means.map((d) => d.id))) {
    const group = perLayer.filter((r) => r.querySet === querySet);
    fams.forEach((family, f) => {
      const order = orderDesc(group.map((r) => r.onSelect[f]!));
      const rankOf: number[] = [];
      order.forEach((at, rank) => (rankOf[at] = rank));
      group.forEach((r, at) => {
        if (r.n[f] === 0) return;
        const ci = r.ci[f]!;
        const [js_bits, js_lo, js_hi] = [ci.value, ci.lo, ci.hi];
        push(change, {
          family,
          layer: r.layer,
          query_set: querySet,
          js_bits,
          js_lo,
          js_hi,
          p_value: r.p[f]!,
          n_probes: r.n[f]!,
          rank_select: rankOf[at]!,
        });
      });
      for (const r of order.slice(0, TOP_LAYERS).map((at) => group[at]!)) {
        if (r.nReport[f] === 0) continue;
        const reported = { js_bits: est(r.onReport[f]!), p_value: round(r.pReport[f]!), n_probes: r.nReport[f]! };
        changedLayers.push({ family, query_set: querySet, layer: r.layer, ...reported });
      }
    });
  }
  return { change, changedLayers };
}
