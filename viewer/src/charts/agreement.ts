import * as Plot from '@observablehq/plot';
import type { AgreementPoint, RoutingAgreement } from '../data/routing-agreement.ts';
import { estText, niceEvery } from './format.ts';
import { DENSE_LAYERS } from './mi-layers.ts';
import { MUTED, segmentColor } from './theme.ts';
import type { ChartInteraction, ChartSize, ChartSpec, Legend } from './types.ts';

export interface AgreementOptions {
  /** The run's `settings.alpha`, to name the CI level. */
  alpha?: number;
  models?: { base: string; tuned: string };
}

const MEASURES = [
  { key: 'top1', label: 'top-1 match' },
  { key: 'jaccard', label: 'top-k Jaccard' },
] as const;

/** Evidence tokens: the segment colour, solid, diamonds; every other set: grey, dashed, squares. */
const setStyle = (set: string) =>
  set === 'evidence'
    ? { color: segmentColor('evidence'), dash: null, symbol: 'diamond' as const }
    : { color: MUTED, dash: '4,2', symbol: 'square' as const };

type Datum = {
  measure: string;
  set: string;
  layer: number;
  x: number;
  value: number;
  lo: number;
  hi: number;
  point: AgreementPoint;
};

const tokens = (n: number) => n.toLocaleString('en-US');

/**
 * Token-level agreement of base and tuned routing per layer — share of tokens with the same
 * rank-0 expert, and mean top-k Jaccard — for evidence tokens against all other tokens, with
 * bootstrap CIs (error bars, or bands above DENSE_LAYERS layers); 1 = both models route alike.
 */
export function agreementChart(
  d: RoutingAgreement,
  size: ChartSize,
  o: AgreementOptions = {},
): ChartSpec & ChartInteraction {
  const fs = size.fontSize;
  const sets = d.tokenSets;
  const dense = d.nLayers > DENSE_LAYERS;
  const dodge = sets.length > 1 && !dense ? 0.12 : 0;
  const data: Datum[] = d.points.flatMap((p) =>
    MEASURES.map((m) => ({
      measure: m.label,
      set: p.tokenSet,
      layer: p.layer,
      x: p.layer + (sets.indexOf(p.tokenSet) - (sets.length - 1) / 2) * 2 * dodge,
      ...p[m.key],
      point: p,
    })),
  );
  const first = (set: string) => d.points.find((p) => p.tokenSet === set);
  const counts = sets.map((s) => `${tokens(first(s)?.nTokens ?? 0)} ${s}`).join(' / ');
  const nProbes = Math.max(0, ...d.points.map((p) => p.nProbes));
  const ci = o.alpha === undefined ? 'bootstrap CIs' : `${Math.round((1 - o.alpha) * 100)} % bootstrap CIs`;
  const pair = o.models === undefined ? 'base vs tuned' : `${o.models.base} vs ${o.models.tuned}`;
  const legend: Legend = {
    kind: 'swatches',
    items: sets.map((s) => ({ label: `${s} tokens`, color: setStyle(s).color, dash: setStyle(s).dash })),
  };
  const ticks = niceEvery(d.nLayers, Math.floor((size.width - fs * 6) / 2 / (fs * 2.4)));
  const of = (set: string) => data.filter((p) => p.set === set);
  return {
    id: 'agreement',
    title: 'Routing agreement per layer',
    subtitle: `${pair}, family ${d.family}; n = ${nProbes} probes, ${counts} tokens per layer; ${ci}`,
    size,
    description: `Per layer, the share of tokens whose rank-0 expert is the same in ${pair} and the mean Jaccard overlap of their top-k expert sets, for ${sets.join(' and ')} tokens of family ${d.family}, with ${ci}.`,
    plot: {
      marginTop: fs * 1.6,
      marginRight: fs * 1,
      marginBottom: fs * 3.3,
      marginLeft: fs * 4.4,
      fx: { domain: MEASURES.map((m) => m.label), label: null, padding: 0.12 },
      x: {
        domain: [-0.5, Math.max(0, d.nLayers - 1) + 0.5],
        ticks: Array.from({ length: d.nLayers }, (_, l) => l).filter((l) => ticks(l) !== ''),
        tickFormat: (v: number) => String(v),
        label: 'layer',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: fs * 2.9,
        tickSize: 2,
      },
      y: {
        domain: [0, 1.04],
        label: 'agreement (share)',
        labelAnchor: 'center',
        labelArrow: 'none',
        grid: true,
        ticks: 5,
        tickSize: 2,
      },
      marks: [
        dense
          ? Plot.areaY(data, {
              x: 'x',
              y1: 'lo',
              y2: 'hi',
              fx: 'measure',
              z: 'set',
              fill: (p: Datum) => setStyle(p.set).color,
              fillOpacity: 0.22,
            })
          : Plot.ruleX(data, {
              x: 'x',
              y1: 'lo',
              y2: 'hi',
              fx: 'measure',
              stroke: (p: Datum) => setStyle(p.set).color,
            }),
        ...sets.flatMap((s) => [
          Plot.line(of(s), {
            x: 'x',
            y: 'value',
            fx: 'measure',
            stroke: setStyle(s).color,
            strokeDasharray: setStyle(s).dash ?? undefined,
            strokeWidth: 1.4,
          }),
          ...(dense
            ? []
            : [
                Plot.dot(of(s), {
                  x: 'x',
                  y: 'value',
                  fx: 'measure',
                  symbol: setStyle(s).symbol,
                  fill: setStyle(s).color,
                  r: fs * 0.3,
                }),
              ]),
        ]),
        Plot.tip(
          data,
          Plot.pointer({
            x: 'x',
            y: 'value',
            fx: 'measure',
            fontSize: fs,
            title: (p: Datum) =>
              `layer ${p.layer} · ${p.set} tokens\n${p.measure} ${estText(p)}\n${tokens(p.point.nTokens)} tokens, ${p.point.nProbes} probes`,
          }),
        ),
      ],
    },
    legend,
    pick: (datum) => {
      const p = datum as Datum | null;
      return p === null ? null : { layer: p.layer, family: d.family };
    },
  };
}
