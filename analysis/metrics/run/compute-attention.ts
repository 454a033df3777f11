import { jsDivergenceBits } from '../divergence.ts';
import { bootstrapVector, swapPValues } from '../../stats/bootstrap-vector.ts';
import { pairedMeans, type PairedEstimate } from '../../stats/paired-means.ts';
import type { Estimate } from '../../stats/bootstrap.ts';
import { ATTENTION_METRICS, QUERY_SET_NAMES, cellKey, cellOf, type AttentionCell } from './attention-unit.ts';
import {
  and,
  est,
  familyMask,
  familyRows,
  headline,
  maskedMean,
  orderDesc,
  round,
  type Headline,
  type MetricsContext,
} from './context.ts';
import { COMPARISON_NAMES, comparison, push, rowsOf, type Rows } from './rows.ts';

const M = ATTENTION_METRICS.length;
const MEAN_HEAD = 1023;
const BINS = 32;

/** Per cell: values [model][metric * P + probe], validity likewise, head-mean cells included. */
interface CellData {
  v: [Float64Array, Float64Array];
  ok: [Uint8Array, Uint8Array];
  profile: [Float64Array, Float64Array];
  pok: [Uint8Array, Uint8Array];
}

export interface AttentionResult {
  heads: Rows;
  change: Rows;
  distance: Rows;
  primaryQuerySet: string | null;
  topHeads: Headline[];
  changedLayers: {
    family: string;
    query_set: string;
    layer: number;
    js_bits: Estimate;
    p_value: number;
    n_probes: number;
  }[];
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

function gather(
  units: [(Map<number, AttentionCell> | null)[], (Map<number, AttentionCell> | null)[]],
  P: number,
): Map<number, CellData> {
  const data = new Map<number, CellData>();
  const get = (key: number): CellData => {
    let d = data.get(key);
    if (d === undefined) {
      d = {
        v: [new Float64Array(M * P), new Float64Array(M * P)],
        ok: [new Uint8Array(M * P), new Uint8Array(M * P)],
        profile: [new Float64Array(BINS * P), new Float64Array(BINS * P)],
        pok: [new Uint8Array(P), new Uint8Array(P)],
      };
      data.set(key, d);
    }
    return d;
  };
  units.forEach((perProbe, m) =>
    perProbe.forEach((cells, i) => {
      if (cells === null) return;
      for (const [key, c] of cells) {
        const d = get(key);
        for (let k = 0; k < M; k++) {
          d.v[m]![k * P + i] = c.values[k]!;
          d.ok[m]![k * P + i] = c.valid[k]!;
        }
        if (c.profile !== null) {
          d.profile[m]!.set(c.profile, i * BINS);
          d.pok[m]![i] = 1;
        }
      }
    }),
  );
  // Head means: per probe and model, the mean over the heads that have the metric.
  const byLayerQs = new Map<number, CellData[]>();
  for (const [key, d] of data) {
    const { layer, qs } = cellOf(key);
    const k = cellKey(layer, MEAN_HEAD, qs);
    byLayerQs.set(k, [...(byLayerQs.get(k) ?? []), d]);
  }
  for (const [k, members] of byLayerQs) {
    const d = get(k);
    for (let m = 0; m < 2; m++) {
      for (let j = 0; j < M * P; j++) {
        let s = 0;
        let n = 0;
        for (const c of members)
          if (c.ok[m]![j]) {
            s += c.v[m]![j]!;
            n++;
          }
        d.v[m]![j] = n > 0 ? s / n : 0;
        d.ok[m]![j] = n > 0 ? 1 : 0;
      }
      for (let i = 0; i < P; i++) {
        let n = 0;
        for (const c of members) {
          if (!c.pok[m]![i]) continue;
          n++;
          for (let b = 0; b < BINS; b++) d.profile[m]![i * BINS + b]! += c.profile[m]![i * BINS + b]!;
        }
        if (n > 0) for (let b = 0; b < BINS; b++) d.profile[m]![i * BINS + b]! /= n;
        d.pok[m]![i] = n > 0 ? 1 : 0;
      }
    }
  }
  return data;
}

const slice = (x: Float64Array | Uint8Array, m: number, P: number) => x.subarray(m * P, (m + 1) * P);

/** Attention tables and headlines (docs/metrics.md#attention). */
export function computeAttention(
  ctx: MetricsContext,
  units: [(Map<number, AttentionCell> | null)[], (Map<number, AttentionCell> | null)[]],
  binEdges: Int32Array,
): AttentionResult {
  const P = ctx.probeIds.length;
  const data = gather(units, P);
  const keys = [...data.keys()].sort((a, b) => a - b);
  const fams = familyRows(ctx);
  const opts = { alpha: ctx.alpha, method: ctx.method, permutations: ctx.permutations, rng: ctx.rng };
  const heads = rowsOf(['family', 'layer', 'head', 'query_set', 'metric', ...COMPARISON_NAMES, 'rank_select']);
  const validOf = (d: CellData, m: number) => and(slice(d.ok[0], m, P), slice(d.ok[1], m, P));
  const deltaSelect = (d: CellData, m: number, mask: Uint8Array) => {
    const b = slice(d.v[0], m, P);
    const t = slice(d.v[1], m, P);
    return maskedMean(
      Float64Array.from(b, (x, i) => t[i]! - x),
      mask,
    );
  };
  for (let f = 0; f < fams.length; f++) {
    const fm = familyMask(ctx, f);
    const sel = familyMask(ctx, f, ctx.split.select);
    for (let m = 0; m < M; m++) {
      // rank_select: heads (not head means) ordered by Δ on the selection probes, per (query set, metric).
      const rank = new Map<number, number>();
      for (let qs = 0; qs < QUERY_SET_NAMES.length; qs++) {
        const ks = keys.filter(
          (k) =>
            cellOf(k).qs === qs &&
            cellOf(k).head !== MEAN_HEAD &&
            data.get(k)!.ok[0].some((_, j) => j >= m * P && j < (m + 1) * P),
        );
        const deltas = ks.map((k) => deltaSelect(data.get(k)!, m, and(sel, validOf(data.get(k)!, m))));
        orderDesc(deltas).forEach((at, r) => rank.set(ks[at]!, r));
      }
      for (const key of keys) {
        const d = data.get(key)!;
        const valid = and(fm, validOf(d, m));
        if (!valid.some((x) => x)) continue;
        const e = pairedMeans(ctx.plan, slice(d.v[0], m, P), slice(d.v[1], m, P), valid, opts);
        const { layer, head, qs } = cellOf(key);
        push(heads, {
          family: fams[f]!,
          layer,
          head: head === MEAN_HEAD ? -1 : head,
          query_set: QUERY_SET_NAMES[qs]!,
          metric: ATTENTION_METRICS[m]!,
          ...comparison(e),
          rank_select: rank.get(key) ?? -1,
        });
      }
    }
  }
  const { change, changedLayers } = changeTable(ctx, data, keys, fams);
  const distance = distanceTable(ctx, data, keys, fams, binEdges);
  // Primary query set: the first of answer, question, last, all with evidence-lift data.
  const lift = ATTENTION_METRICS.indexOf('evidence_lift');
  const order = [0, 2, 1, 3];
  const primary = order.find((qs) =>
    keys.some((k) => cellOf(k).qs === qs && validOf(data.get(k)!, lift).some((x) => x)),
  );
  const topHeads: Headline[] = [];
  let linkLift: AttentionResult['linkLift'] = null;
  if (primary !== undefined) {
    const sel = familyMask(ctx, 0, ctx.split.select);
    const cand = keys.filter((k) => cellOf(k).qs === primary && cellOf(k).head !== MEAN_HEAD);
    const deltas = cand.map((k) => deltaSelect(data.get(k)!, lift, and(sel, validOf(data.get(k)!, lift))));
    for (const at of orderDesc(deltas).slice(0, 5)) {
      const d = data.get(cand[at]!)!;
      const { layer, head } = cellOf(cand[at]!);
      const e: PairedEstimate = pairedMeans(
        ctx.reportPlan,
        slice(d.v[0], lift, P),
        slice(d.v[1], lift, P),
        validOf(d, lift),
        opts,
      );
      topHeads.push(
        headline({ family: 'all', layer, head, query_set: QUERY_SET_NAMES[primary]!, metric: 'evidence_lift' }, e),
      );
      if (linkLift === null)
        linkLift = {
          layer,
          head,
          query_set: QUERY_SET_NAMES[primary]!,
          base: Float64Array.from(slice(d.v[0], lift, P)),
          tuned: Float64Array.from(slice(d.v[1], lift, P)),
          ok: validOf(d, lift),
        };
    }
  }
  return {
    heads,
    change,
    distance,
    primaryQuerySet: primary === undefined ? null : QUERY_SET_NAMES[primary]!,
    topHeads,
    changedLayers,
    linkLift,
  };
}

/** JS between head-averaged distance profiles, per family × layer × query set, with CIs, p-values and selection ranks. */
function changeTable(ctx: MetricsContext, data: Map<number, CellData>, keys: number[], fams: string[]) {
  const P = ctx.probeIds.length;
  const change = rowsOf([
    'family',
    'layer',
    'query_set',
    'js_bits',
    'js_lo',
    'js_hi',
    'p_value',
    'n_probes',
    'rank_select',
  ]);
  const meanKeys = keys.filter((k) => cellOf(k).head === MEAN_HEAD && data.get(k)!.pok[0].some((x) => x));
  const masks = fams.map((_, f) => familyMask(ctx, f));
  const jsVector = (d: CellData, w: ArrayLike<number>, swap: Uint8Array | null): Float64Array => {
    const out = new Float64Array(fams.length);
    for (let f = 0; f < fams.length; f++) {
      const pb = new Float64Array(BINS);
      const pt = new Float64Array(BINS);
      for (let i = 0; i < P; i++) {
        const wi = w[i]!;
        if (wi === 0 || !masks[f]![i] || !d.pok[0][i] || !d.pok[1][i]) continue;
        const [a, b] = swap?.[i] ? [1, 0] : [0, 1];
        for (let k = 0; k < BINS; k++) {
          pb[k]! += wi * d.profile[a]![i * BINS + k]!;
          pt[k]! += wi * d.profile[b]![i * BINS + k]!;
        }
      }
      out[f] = jsDivergenceBits(pb, pt);
    }
    return out;
  };
  const perKey = meanKeys.map((key) => {
    const d = data.get(key)!;
    const ci = bootstrapVector(ctx.plan, (w) => jsVector(d, w, null), ctx);
    const p = swapPValues(ctx.plan.include, ctx.permutations, ctx.rng, (swap) => jsVector(d, ctx.plan.include, swap));
    const onSelect = jsVector(d, ctx.split.select, null);
    const onReport = bootstrapVector(ctx.reportPlan, (w) => jsVector(d, w, null), ctx);
    const pReport = swapPValues(ctx.reportPlan.include, ctx.permutations, ctx.rng, (swap) =>
      jsVector(d, ctx.reportPlan.include, swap),
    );
    const n = masks.map((mask) => mask.reduce((s, x, i) => s + (x && d.pok[0][i] && d.pok[1][i] ? 1 : 0), 0));
    const nReport = masks.map((mask) =>
      mask.reduce((s, x, i) => s + (x && ctx.reportPlan.include[i] && d.pok[0][i] && d.pok[1][i] ? 1 : 0), 0),
    );
    return { key, ci, p, onSelect, onReport, pReport, n, nReport };
  });
  const changedLayers: AttentionResult['changedLayers'] = [];
  for (let qs = 0; qs < QUERY_SET_NAMES.length; qs++) {
    const group = perKey.filter((r) => cellOf(r.key).qs === qs);
    for (let f = 0; f < fams.length; f++) {
      const order = orderDesc(group.map((r) => r.onSelect[f]!));
      const rank = new Map(order.map((at, r) => [at, r]));
      group.forEach((r, at) => {
        if (r.n[f] === 0) return;
        push(change, {
          family: fams[f]!,
          layer: cellOf(r.key).layer,
          query_set: QUERY_SET_NAMES[qs]!,
          js_bits: r.ci[f]!.value,
          js_lo: r.ci[f]!.lo,
          js_hi: r.ci[f]!.hi,
          p_value: r.p[f]!,
          n_probes: r.n[f]!,
          rank_select: rank.get(at)!,
        });
      });
      for (const at of order.slice(0, 3)) {
        const r = group[at]!;
        if (r.nReport[f] === 0) continue;
        changedLayers.push({
          family: fams[f]!,
          query_set: QUERY_SET_NAMES[qs]!,
          layer: cellOf(r.key).layer,
          js_bits: est(r.onReport[f]!),
          p_value: round(r.pReport[f]!),
          n_probes: r.nReport[f]!,
        });
      }
    }
  }
  return { change, changedLayers };
}

/** Head-averaged distance profiles per family × layer × query set × bin, base vs tuned with CIs. */
function distanceTable(
  ctx: MetricsContext,
  data: Map<number, CellData>,
  keys: number[],
  fams: string[],
  edges: Int32Array,
): Rows {
  const P = ctx.probeIds.length;
  const rows = rowsOf(['family', 'layer', 'query_set', 'bin', 'bin_lo', 'bin_hi', ...COMPARISON_NAMES]);
  const opts = { alpha: ctx.alpha, method: ctx.method, permutations: ctx.permutations, rng: ctx.rng };
  for (const key of keys.filter((k) => cellOf(k).head === MEAN_HEAD)) {
    const d = data.get(key)!;
    const valid = and(d.pok[0], d.pok[1]);
    if (!valid.some((x) => x)) continue;
    const { layer, qs } = cellOf(key);
    for (let f = 0; f < fams.length; f++) {
      const v = and(valid, familyMask(ctx, f));
      if (!v.some((x) => x)) continue;
      for (let b = 0; b < BINS; b++) {
        const pick = (m: 0 | 1) => Float64Array.from({ length: P }, (_, i) => d.profile[m][i * BINS + b]!);
        const e = pairedMeans(ctx.plan, pick(0), pick(1), v, opts);
        push(rows, {
          family: fams[f]!,
          layer,
          query_set: QUERY_SET_NAMES[qs]!,
          bin: b,
          bin_lo: edges[b]!,
          bin_hi: edges[b + 1]!,
          ...comparison(e),
        });
      }
    }
  }
  return rows;
}
