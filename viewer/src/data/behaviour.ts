import type { MetricsSummary } from '../../../analysis/metrics/run/summary.ts';
import type { Columns } from './arrow-read.ts';
import { numbers, rowCount, strings } from './columns.ts';

export interface BehaviourPoint {
  model: string;
  probeId: string;
  family: string;
  split: string;
  logprob: number;
  lift: number;
}

/** Per-probe answer log-prob and link-head evidence lift, from `metrics_behaviour`. */
export function behaviourPoints(cols: Columns): BehaviourPoint[] {
  const n = rowCount(cols);
  const out: BehaviourPoint[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      model: strings(cols, 'model')[i]!,
      probeId: strings(cols, 'probe_id')[i]!,
      family: strings(cols, 'family')[i]!,
      split: strings(cols, 'split')[i]!,
      logprob: numbers(cols, 'answer_logprob')[i]!,
      lift: numbers(cols, 'evidence_lift')[i]!,
    });
  return out;
}

/** The link head and per-model correlations the summary reports. */
export function behaviourLink(summary: MetricsSummary) {
  return { link: summary.behaviour.link, correlations: summary.behaviour.correlations };
}
