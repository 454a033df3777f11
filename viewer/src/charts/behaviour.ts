import * as Plot from '@observablehq/plot';
import type { MetricsSummary } from '../../../analysis/metrics/run/summary.ts';
import type { BehaviourPoint } from '../data/behaviour.ts';
import { estText, num } from './format.ts';
import { MODEL_STYLE } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec } from './types.ts';

/**
 * The behaviour link: per probe, answer log-prob against evidence lift at the link head, one
 * panel per model, with the Pearson r (bootstrap CI) and Spearman ρ the summary reports.
 */
export function behaviourChart(
  points: BehaviourPoint[],
  summary: MetricsSummary,
  size: ChartSize,
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const { base, tuned } = summary.settings.models;
  const role = (m: string): 'base' | 'tuned' => (m === base ? 'base' : 'tuned');
  const link = summary.behaviour.link;
  const stats = summary.behaviour.correlations.map((c) => ({
    model: c.model,
    text: `r = ${estText(c.pearson)}\nρ = ${num(c.spearman)}, n = ${c.n_probes}`,
  }));
  const shown = points.filter((p) => p.model === base || p.model === tuned);
  return {
    id: 'behaviour-link',
    title: 'Answer log-prob against evidence lift',
    subtitle:
      link === null
        ? 'no link head'
        : `per probe; evidence lift of the link head L${link.layer}H${link.head} (${link.query_set} tokens), chosen on the selection half; r with 95% bootstrap CI`,
    size,
    description:
      'Scatter of per-probe mean answer log-probability against evidence lift at the link head, per model, with correlations.',
    plot: {
      marginLeft: fs * 6,
      marginRight: fs * 1,
      marginTop: fs * 1.4,
      marginBottom: fs * 3.2,
      fx: { domain: [base, tuned], label: null, padding: 0.1 },
      x: {
        type: 'log',
        label: 'evidence lift at the link head (× uniform, log)',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 2.8,
        tickFormat: '~g',
        ticks: 4,
        inset: fs * 0.6, // keeps the extreme probes' dots off the panel edges
      },
      y: {
        label: 'answer log-prob (nats/token)',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 5.4,
        grid: true,
        nice: true,
        ticks: 5,
        inset: fs * 0.4,
      },

      marks: [
        Plot.dot(
          shown.filter((p) => p.lift > 0),
          {
            x: 'lift',
            y: 'logprob',
            fx: 'model',
            fill: (p: BehaviourPoint) => MODEL_STYLE[role(p.model)].color,
            symbol: (p: BehaviourPoint) => MODEL_STYLE[role(p.model)].symbol,
            r: fs * 0.32,
            fillOpacity: 0.8,
          },
        ),
        Plot.text(stats, {
          fx: 'model',
          text: 'text',
          frameAnchor: 'bottom-right',
          dx: -fs * 0.4,
          dy: -fs * 0.3,
          lineAnchor: 'bottom',
          textAnchor: 'end',
          fontSize: fs * 0.85,
          fill: '#111',
          stroke: 'white',
          strokeWidth: 3,
          paintOrder: 'stroke',
        }),

        Plot.tip(
          shown.filter((p) => p.lift > 0),
          Plot.pointer({
            x: 'lift',
            y: 'logprob',
            fx: 'model',
            fontSize: fs,
            title: (p: BehaviourPoint) =>
              `${p.probeId} (${p.family}, ${p.split})\nlift ${num(p.lift)}, log-prob ${num(p.logprob)}`,
          }),
        ),
      ],
    },
    legend: {
      kind: 'swatches',
      items: [
        { label: base, color: MODEL_STYLE.base.color, shape: 'rect' },
        { label: tuned, color: MODEL_STYLE.tuned.color, shape: 'rect' },
      ],
    },
    pick: (datum) => {
      const p = datum as BehaviourPoint | null;
      return p === null ? null : { probe: p.probeId };
    },
  };
}
