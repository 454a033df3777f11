import { decodeTable } from '../../schema/decode.ts';
import { TABLES } from '../../schema/tables.ts';
import { bootstrapVector } from '../../stats/bootstrap-vector.ts';
import type { Estimate } from '../../stats/bootstrap.ts';
import { answerLogprob } from '../answer-logprob.ts';
import { pearson, spearman } from '../correlation.ts';
import type { AttentionResult } from './compute-attention.ts';
import { est, type MetricsContext } from './context.ts';
import { push, rowsOf, type Rows } from './rows.ts';
import type { MetricsSource } from './source.ts';

export interface BehaviourResult {
  rows: Rows;
  /** Per model: Pearson r (bootstrap CI) and Spearman ρ of answer log-prob vs evidence lift at the link head, across probes. */
  correlations: { model: string; pearson: Estimate; spearman: number; n_probes: number }[];
  /** Across probes: tuned − base log-prob vs tuned − base lift. */
  deltaCorrelation: { pearson: Estimate; spearman: number; n_probes: number } | null;
  link: { layer: number; head: number; query_set: string } | null;
}

/** Answer log-prob per probe × model and its link to evidence lift at the top head (docs/metrics.md#behaviour). */
export async function computeBehaviour(
  source: MetricsSource,
  ctx: MetricsContext,
  models: [string, string],
  link: AttentionResult['linkLift'],
): Promise<BehaviourResult> {
  const P = ctx.probeIds.length;
  const rows = rowsOf([
    'model',
    'probe_id',
    'family',
    'split',
    'answer_logprob',
    'answer_logprob_sum',
    'n_answer_tokens',
    'evidence_lift',
    'link_layer',
    'link_head',
    'link_query_set',
  ]);
  const lp = [new Float64Array(P), new Float64Array(P)];
  const has = [new Uint8Array(P), new Uint8Array(P)];
  for (const [m, model] of models.entries()) {
    for (let i = 0; i < P; i++) {
      const id = ctx.probeIds[i]!;
      if (!source.has('answer_logprobs', model, id)) continue;
      const cols = decodeTable(TABLES.answer_logprobs, await source.unit('answer_logprobs', model, id));
      const a = answerLogprob(cols.logprob as Float32Array);
      if (a.n === 0) continue;
      lp[m]![i] = a.mean;
      has[m]![i] = 1;
      const lift = link === null ? 0 : (m === 0 ? link.base : link.tuned)[i]!;
      push(rows, {
        model,
        probe_id: id,
        family: ctx.families[ctx.familyIndex[i]!]!,
        split: ctx.split.mode === 'none' ? 'all' : ctx.split.select[i] ? 'select' : 'report',
        answer_logprob: a.mean,
        answer_logprob_sum: a.sum,
        n_answer_tokens: a.n,
        evidence_lift: link !== null && link.ok[i] ? lift : 0,
        link_layer: link?.layer ?? -1,
        link_head: link?.head ?? -1,
        link_query_set: link?.query_set ?? '',
      });
    }
  }
  if (link === null) return { rows, correlations: [], deltaCorrelation: null, link: null };
  const correlate = (x: Float64Array, y: Float64Array, ok: Uint8Array) => {
    const idx = [...ok.keys()].filter((i) => ok[i]);
    const xs = Float64Array.from(idx, (i) => x[i]!);
    const ys = Float64Array.from(idx, (i) => y[i]!);
    const r = bootstrapVector(
      { ...ctx.plan, include: ok },
      (w) =>
        Float64Array.of(
          pearson(
            x,
            y,
            Float64Array.from(w, (v, i) => (ok[i] ? v : 0)),
          ),
        ),
      ctx,
    )[0] ?? { value: 0, lo: 0, hi: 0 };
    return { pearson: est(r), spearman: spearman(xs, ys), n_probes: idx.length };
  };
  const correlations = models.map((model, m) => ({
    model,
    ...correlate(
      m === 0 ? link.base : link.tuned,
      lp[m]!,
      Uint8Array.from({ length: P }, (_, i) => (has[m]![i] && link.ok[i] ? 1 : 0)),
    ),
  }));
  const both = Uint8Array.from({ length: P }, (_, i) => (has[0]![i] && has[1]![i] && link.ok[i] ? 1 : 0));
  const dLift = Float64Array.from({ length: P }, (_, i) => link.tuned[i]! - link.base[i]!);
  const dLp = Float64Array.from({ length: P }, (_, i) => lp[1]![i]! - lp[0]![i]!);
  return {
    rows,
    correlations,
    deltaCorrelation: correlate(dLift, dLp, both),
    link: { layer: link.layer, head: link.head, query_set: link.query_set },
  };
}
