import { miLayersChart } from '../../viewer/src/charts/mi-layers.ts';
import { topExpertsChart } from '../../viewer/src/charts/top-experts.ts';
import { probesIn } from '../../viewer/src/data/routing-experts.ts';
import { miLayers } from '../../viewer/src/data/routing-mi.ts';
import { topExpertFigure } from '../../viewer/src/data/routing-top-experts.ts';
import { caption, ciSentence, probesSentence, selectionSentence } from './captions.ts';
import type { FigureDef } from './figure-def.ts';

const topExpertsFigure: FigureDef = {
  name: '04-top-experts',
  comparison: true,
  async build(ctx) {
    const m = ctx.index.metrics;
    const s = ctx.index.summary!;
    if (m.metrics_routing_experts === undefined || m.metrics_routing_change === undefined || ctx.index.pair === null)
      return null;
    const data = topExpertFigure(m.metrics_routing_experts, m.metrics_routing_change, {
      models: ctx.index.pair,
      n: s.settings.top_n_experts,
      families: ctx.families,
      nProbes: Object.fromEntries(ctx.families.map((f) => [f, probesIn(s.probes, f)])),
    });
    const p = ctx.preset;
    const spec = topExpertsChart(
      data,
      { width: p.width, height: 70 + ctx.families.length * p.rowHeight * 0.95, fontSize: p.fontSize },
      { selectOn: s.settings.select_on },
    );
    return {
      name: this.name,
      spec,
      caption: caption('Expert usage in the most-changed routing layers', [
        `What is plotted: for each task family (rows) and each of its ${Math.max(...ctx.families.map((f) => data.panels.filter((x) => x.family === f).length))} most-changed MoE layers (columns; Jensen–Shannon divergence between base and tuned selection frequencies, ranked on the selection half), the selection frequency — top-k selections of an expert ÷ all top-k selections of the family's tokens — of the top-${data.n} experts in the tuned model's order, tuned solid triangles and base dashed circles for the same experts; expert ids on the x axis; dotted line: uniform use 1/${data.nExperts}. Routing is counted as top-k selections (not gate mass; \`--usage gate_usage\` in the viewer shows gate mass). Values: \`metrics_routing_experts\` (frequency, rank) and \`metrics_routing_change\` (measure = selections).`,
        probesSentence(s, ctx.families),
        selectionSentence(s),
        ciSentence(s),
      ]),
    };
  },
};

const miFigure: FigureDef = {
  name: '05-mi-per-layer',
  comparison: true,
  async build(ctx) {
    const m = ctx.index.metrics;
    const s = ctx.index.summary!;
    if (m.metrics_routing_mi === undefined || ctx.index.pair === null) return null;
    const nFamilies = Object.keys(s.probes.by_family).length;
    const data = miLayers(m.metrics_routing_mi, {
      models: ctx.index.pair,
      measure: 'selections',
      nProbes: s.probes.n,
      nFamilies,
    });
    const p = ctx.preset;
    const selected = s.routing?.mi_gain.filter((g) => g.selected).map((g) => g.layer) ?? [];
    const spec = miLayersChart(
      data,
      { width: p.width, height: p.name === 'single-column' ? 150 : 190, fontSize: p.fontSize },
      { marked: { layers: selected, label: 'selected' }, alpha: s.settings.alpha },
    );
    return {
      name: this.name,
      spec,
      caption: caption('Task specialisation of routing per layer', [
        `What is plotted: per MoE layer, the mutual information I(task family; expert) in bits of the family × expert table of top-k selections pooled over probes, base dashed and tuned solid with 95% bootstrap intervals, and the family-permutation null (family labels shuffled across probes, sizes kept; base dash-dot, tuned dotted) that MI reads without any task structure; the maximum is log2 ${nFamilies} = ${Math.log2(nFamilies).toFixed(2)} bits. Shaded: the layers with the largest MI gain chosen on the selection half (${selected.map((l) => `L${l}`).join(', ') || 'none'}). Values: \`metrics_routing_mi\` (measure = selections).`,
        probesSentence(s, Object.keys(s.probes.by_family)),
        selectionSentence(s),
        ciSentence(s),
      ]),
    };
  },
};

/** Figures 4 (top experts of the most-changed layers) and 5 (I(task; expert) per layer). */
export const expertFigures: FigureDef[] = [topExpertsFigure, miFigure];
