import { bootstrapVector, swapPValues } from '../../stats/bootstrap-vector.ts';
import { labelPermutationTest } from '../../stats/permutation.ts';
import type { Estimate } from '../../stats/bootstrap.ts';
import { expertSelectivity } from '../expert-selectivity.ts';
import { mutualInformationFlat } from '../mutual-information.ts';
import { jaccard, topN } from '../top-experts.ts';
import { est, familyRows, orderDesc, round, type MetricsContext } from './context.ts';
import {
  aggregateLayer,
  familyTable,
  layerChange,
  layerMetricNames,
  layerMetrics,
  type RoutingData,
} from './routing-stats.ts';
import { COMPARISON_NAMES, push, rowsOf, type Rows } from './rows.ts';

/** Per-probe agreement sums, dims [probe, layer_slot] for each of token sets all/evidence/other. */
export interface AgreementData {
  top1: [Float64Array, Float64Array, Float64Array];
  jaccard: [Float64Array, Float64Array, Float64Array];
  tokens: [Float64Array, Float64Array, Float64Array];
}
export const TOKEN_SETS = ['all', 'evidence', 'other'] as const;

export interface RoutingResult {
  experts: Rows;
  layers: Rows;
  change: Rows;
  mi: Rows;
  overlap: Rows;
  agreement: Rows;
  changedLayers: { family: string; layer: number; js_bits: Estimate; p_value: number; n_probes: number }[];
  miGain: {
    layer: number;
    base: Estimate;
    tuned: Estimate;
    delta: Estimate;
    p_value: number;
    n_probes: number;
    selected: boolean;
  }[];
  topExperts: { family: string; layer: number; model: string; experts: number[] }[];
}

/** Routing tables and headlines (docs/metrics.md#routing). `layers` maps layer slots to layer numbers. */
export function computeRouting(
  ctx: MetricsContext,
  d: RoutingData,
  agree: AgreementData,
  layers: readonly number[],
  topNCount: number,
  models: [string, string],
): RoutingResult {
  const F = ctx.families.length;
  const fams = familyRows(ctx);
  const names = layerMetricNames(ctx.families);
  const nm = names.length;
  const include = Uint8Array.from(ctx.plan.include, (x, i) => (x && d.ok[i] ? 1 : 0));
  const reportInclude = Uint8Array.from(ctx.reportPlan.include, (x, i) => (x && d.ok[i] ? 1 : 0));
  const nProbes = (mask: Uint8Array, r: number) =>
    mask.reduce((s, x, i) => s + (x && (r === 0 || ctx.familyIndex[i] === r - 1) ? 1 : 0), 0);
  const out: RoutingResult = {
    experts: rowsOf([
      'model',
      'family',
      'layer',
      'expert',
      'frequency',
      'gate_usage',
      'top1_frequency',
      'family_share',
      'selectivity',
      'rank',
    ]),
    layers: rowsOf(['family', 'layer', 'metric', ...COMPARISON_NAMES]),
    change: rowsOf(['family', 'layer', 'measure', 'js_bits', 'js_lo', 'js_hi', 'p_value', 'n_probes', 'rank_select']),
    mi: rowsOf([
      'model',
      'layer',
      'measure',
      'mi_bits',
      'mi_lo',
      'mi_hi',
      'null_mean_bits',
      'null_p_value',
      'n_permutations',
    ]),
    overlap: rowsOf(['model', 'layer', 'family_a', 'family_b', 'top_n', 'jaccard']),
    agreement: rowsOf([
      'family',
      'layer',
      'token_set',
      'top1_match',
      'top1_lo',
      'top1_hi',
      'jaccard',
      'jaccard_lo',
      'jaccard_hi',
      'n_tokens',
      'n_probes',
    ]),
    changedLayers: [],
    miGain: [],
    topExperts: [],
  };
  const vector = (l: number, w: ArrayLike<number>, swap: Uint8Array | null) => {
    const [a, b] = aggregateLayer(d, l, ctx.familyIndex, F, w, swap);
    const ma = layerMetrics(a, d.E, topNCount);
    const mb = layerMetrics(b, d.E, topNCount);
    return Float64Array.from([...ma, ...mb, ...mb.map((x, j) => x - ma[j]!), ...layerChange(a, b)]);
  };
  const changeSelect: number[][] = [];
  const miSelect: number[] = [];
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const ci = bootstrapVector({ ...ctx.plan, include }, (w) => vector(l, w, null), ctx);
    const p = swapPValues(include, ctx.permutations, ctx.rng, (swap) => vector(l, include, swap).subarray(2 * nm));
    names.forEach((nmRow, j) => {
      const r = fams.indexOf(nmRow.family);
      push(out.layers, {
        family: nmRow.family,
        layer,
        metric: nmRow.metric,
        base: ci[j]!.value,
        base_lo: ci[j]!.lo,
        base_hi: ci[j]!.hi,
        tuned: ci[nm + j]!.value,
        tuned_lo: ci[nm + j]!.lo,
        tuned_hi: ci[nm + j]!.hi,
        delta: ci[2 * nm + j]!.value,
        delta_lo: ci[2 * nm + j]!.lo,
        delta_hi: ci[2 * nm + j]!.hi,
        p_value: p[j]!,
        n_probes: nProbes(include, r),
      });
    });
    const onSelect = vector(
      l,
      Uint8Array.from(include, (x, i) => x & ctx.split.select[i]!),
      null,
    );
    changeSelect.push(Array.from(onSelect.subarray(3 * nm)));
    miSelect.push(onSelect[2 * nm + names.findIndex((x) => x.metric === 'mi_bits')]!);
    (['selections', 'gate'] as const).forEach((measure, k) =>
      fams.forEach((family, r) => {
        const j = 3 * nm + k * (F + 1) + r;
        if (nProbes(include, r) > 0)
          push(out.change, {
            family,
            layer,
            measure,
            js_bits: ci[j]!.value,
            js_lo: ci[j]!.lo,
            js_hi: ci[j]!.hi,
            p_value: p[j - 2 * nm]!,
            n_probes: nProbes(include, r),
            rank_select: -1,
          });
      }),
    );
    perModelTables(ctx, d, l, layer, include, topNCount, models, out);
    agreementRows(ctx, agree, l, layer, include, out.agreement);
  }
  rankChange(out.change, changeSelect, layers, fams);
  selectAndReport(ctx, d, layers, fams, changeSelect, miSelect, reportInclude, vector, nm, out);
  return out;
}

function rankChange(change: Rows, onSelect: number[][], layers: readonly number[], fams: string[]): void {
  for (let i = 0; i < change.family!.length; i++) {
    const r = fams.indexOf(change.family![i] as string);
    const k = change.measure![i] === 'gate' ? 1 : 0;
    const col = onSelect.map((v) => v[k * fams.length + r]!);
    change.rank_select![i] = orderDesc(col).indexOf(layers.indexOf(change.layer![i] as number));
  }
}

function perModelTables(
  ctx: MetricsContext,
  d: RoutingData,
  l: number,
  layer: number,
  include: Uint8Array,
  n: number,
  models: [string, string],
  out: RoutingResult,
): void {
  const F = ctx.families.length;
  const fams = familyRows(ctx);
  const aggs = aggregateLayer(d, l, ctx.familyIndex, F, include, null);
  aggs.forEach((agg, m) => {
    const model = models[m]!;
    const freq = agg.sel.map((s) => {
      const t = s.reduce((a, b) => a + b, 0);
      return s.map((x) => (t > 0 ? x / t : 0));
    });
    const tokens = agg.top1.map((s) => s.reduce((a, b) => a + b, 0));
    const selectivity = expertSelectivity(freq.slice(1), d.E);
    fams.forEach((family, r) => {
      if (tokens[r]! <= 0) return;
      const rank = new Map(topN(freq[r]!, d.E).map((e, k) => [e, k]));
      for (let e = 0; e < d.E; e++) {
        const shareTotal = freq.slice(1).reduce((s, f) => s + f[e]!, 0);
        push(out.experts, {
          model,
          family,
          layer,
          expert: e,
          frequency: freq[r]![e]!,
          gate_usage: agg.gate[r]![e]! / tokens[r]!,
          top1_frequency: agg.top1[r]![e]! / tokens[r]!,
          family_share: r === 0 ? 1 : shareTotal > 0 ? freq[r]![e]! / shareTotal : 0,
          selectivity: selectivity[e]!,
          rank: rank.get(e) ?? -1,
        });
      }
      if (r > 0) out.topExperts.push({ family, layer, model, experts: topN(freq[r]!, n) });
    });
    for (let a = 1; a <= F; a++)
      for (let b = a + 1; b <= F; b++) {
        if (tokens[a]! > 0 && tokens[b]! > 0)
          push(out.overlap, {
            model,
            layer,
            family_a: fams[a]!,
            family_b: fams[b]!,
            top_n: n,
            jaccard: jaccard(topN(freq[a]!, n), topN(freq[b]!, n)),
          });
      }
    // I(task; expert) against a family-permutation null: shuffle family labels across probes.
    const probes = [...include.keys()].filter((i) => include[i]);
    for (const [measure, src] of [
      ['selections', d.selections],
      ['top1', d.top1],
    ] as const) {
      const mi = (labels: Int32Array) => {
        const table = new Float64Array(F * d.E);
        probes.forEach((p, k) => {
          const off = (p * d.L + l) * d.E;
          for (let e = 0; e < d.E; e++) table[labels[k]! * d.E + e]! += src[m]![off + e]!;
        });
        return mutualInformationFlat(table, F, d.E);
      };
      const test = labelPermutationTest(
        probes.map((p) => ctx.familyIndex[p]!),
        ctx.permutations,
        ctx.rng,
        mi,
      );
      const ci = bootstrapVector(
        { ...ctx.plan, include },
        (w) => {
          const [agg2] = [aggregateLayer(d, l, ctx.familyIndex, F, w, null)[m]!];
          return Float64Array.of(
            mutualInformationFlat(familyTable(measure === 'top1' ? agg2.top1 : agg2.sel, d.E), F, d.E),
          );
        },
        ctx,
      )[0]!;
      push(out.mi, {
        model,
        layer,
        measure,
        mi_bits: test.observed,
        mi_lo: ci.lo,
        mi_hi: ci.hi,
        null_mean_bits: test.nullMean,
        null_p_value: test.pValue,
        n_permutations: ctx.permutations,
      });
    }
  });
}

function agreementRows(
  ctx: MetricsContext,
  a: AgreementData,
  l: number,
  layer: number,
  include: Uint8Array,
  rows: Rows,
): void {
  const fams = familyRows(ctx);
  const L = a.tokens[0].length / ctx.probeIds.length;
  const vec = (w: ArrayLike<number>) => {
    const v = new Float64Array(fams.length * 3 * 2);
    fams.forEach((_, r) =>
      TOKEN_SETS.forEach((_, s) => {
        let t1 = 0;
        let jc = 0;
        let n = 0;
        for (let i = 0; i < ctx.probeIds.length; i++) {
          if (!w[i] || (r > 0 && ctx.familyIndex[i] !== r - 1)) continue;
          t1 += w[i]! * a.top1[s]![i * L + l]!;
          jc += w[i]! * a.jaccard[s]![i * L + l]!;
          n += w[i]! * a.tokens[s]![i * L + l]!;
        }
        v[(r * 3 + s) * 2] = n > 0 ? t1 / n : 0;
        v[(r * 3 + s) * 2 + 1] = n > 0 ? jc / n : 0;
      }),
    );
    return v;
  };
  const ci = bootstrapVector({ ...ctx.plan, include }, vec, ctx);
  fams.forEach((family, r) =>
    TOKEN_SETS.forEach((tokenSet, s) => {
      let n = 0;
      let np = 0;
      for (let i = 0; i < ctx.probeIds.length; i++)
        if (include[i] && (r === 0 || ctx.familyIndex[i] === r - 1) && a.tokens[s]![i * L + l]! > 0) {
          n += a.tokens[s]![i * L + l]!;
          np++;
        }
      if (n === 0) return;
      const t = ci[(r * 3 + s) * 2]!;
      const j = ci[(r * 3 + s) * 2 + 1]!;
      push(rows, {
        family,
        layer,
        token_set: tokenSet,
        top1_match: t.value,
        top1_lo: t.lo,
        top1_hi: t.hi,
        jaccard: j.value,
        jaccard_lo: j.lo,
        jaccard_hi: j.hi,
        n_tokens: n,
        n_probes: np,
      });
    }),
  );
}

/** Most-changed layers per family and the largest MI gains, chosen on the selection half, measured on the report half. */
function selectAndReport(
  ctx: MetricsContext,
  d: RoutingData,
  layers: readonly number[],
  fams: string[],
  changeSelect: number[][],
  miSelect: number[],
  reportInclude: Uint8Array,
  vector: (l: number, w: ArrayLike<number>, swap: Uint8Array | null) => Float64Array,
  nm: number,
  out: RoutingResult,
): void {
  const cache = new Map<number, { ci: Estimate[]; p: Float64Array }>();
  const onReport = (l: number) => {
    let c = cache.get(l);
    if (c === undefined) {
      c = {
        ci: bootstrapVector({ ...ctx.reportPlan, include: reportInclude }, (w) => vector(l, w, null), ctx),
        p: swapPValues(reportInclude, ctx.permutations, ctx.rng, (swap) =>
          vector(l, reportInclude, swap).subarray(2 * nm),
        ),
      };
      cache.set(l, c);
    }
    return c;
  };
  const nReport = (r: number) =>
    reportInclude.reduce((s, x, i) => s + (x && (r === 0 || ctx.familyIndex[i] === r - 1) ? 1 : 0), 0);
  fams.forEach((family, r) => {
    for (const l of orderDesc(changeSelect.map((v) => v[r]!)).slice(0, 3)) {
      if (nReport(r) === 0) continue;
      const { ci, p } = onReport(l);
      out.changedLayers.push({
        family,
        layer: layers[l]!,
        js_bits: est(ci[3 * nm + r]!),
        p_value: round(p[nm + r]!),
        n_probes: nReport(r),
      });
    }
  });
  const j = layerMetricNames(ctx.families).findIndex((x) => x.metric === 'mi_bits');
  const chosen = new Set(orderDesc(miSelect).slice(0, 3));
  layers.forEach((layer, l) => {
    if (nReport(0) === 0) return;
    const { ci, p } = onReport(l);
    out.miGain.push({
      layer,
      base: est(ci[j]!),
      tuned: est(ci[nm + j]!),
      delta: est(ci[2 * nm + j]!),
      p_value: round(p[j]!),
      n_probes: nReport(0),
      selected: chosen.has(l),
    });
  });
}
