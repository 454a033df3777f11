import { attentionStripChart } from '../../viewer/src/charts/attention-strip.ts';
import { behaviourChart } from '../../viewer/src/charts/behaviour.ts';
import { distanceProfileChart } from '../../viewer/src/charts/distance-profile.ts';
import { headGridChart, headGridHeight } from '../../viewer/src/charts/head-grid.ts';
import { liftLayersChart } from '../../viewer/src/charts/lift-layers.ts';
import { routingStripChart, routingStripHeight } from '../../viewer/src/charts/routing-strip.ts';
import { distanceProfiles, layerMeans, mostChangedAttentionLayers } from '../../viewer/src/data/attention-layers.ts';
import { behaviourPoints } from '../../viewer/src/data/behaviour.ts';
import { headGrid } from '../../viewer/src/data/head-grid.ts';
import { loadAttentionLayer, loadRoutingGrid, selectRows } from '../../viewer/src/data/probe-data.ts';
import { unitOf } from '../../viewer/src/data/run-index.ts';
import { caption, ciSentence, probesSentence, selectionSentence } from './captions.ts';
import type { FigureContext } from './context.ts';
import { expertFigures } from './figure-set-experts.ts';

import type { FigureDef } from './figure-def.ts';

export type { Figure, FigureDef } from './figure-def.ts';

const models = (ctx: FigureContext) => ctx.index.pair ?? { base: 'base', tuned: 'tuned' };
const summaryOf = (ctx: FigureContext) => ctx.index.summary!;
const primaryQuerySet = (ctx: FigureContext) => ctx.index.summary?.attention.primary_query_set ?? 'answer';

const distanceFigure: FigureDef = {
  name: '01-attention-distance-profiles',
  comparison: true,
  async build(ctx) {
    const s = summaryOf(ctx);
    const qs = primaryQuerySet(ctx);
    const distance = ctx.index.metrics.metrics_attention_distance!;
    const panels = ctx.families.flatMap((family) =>
      distanceProfiles(distance, ctx.index.metrics.metrics_attention_change, {
        family,
        querySet: qs,
        layers: mostChangedAttentionLayers(s, family, qs),
      }).map((profile, slot) => ({ family, slot, profile })),
    );
    const p = ctx.preset;
    const spec = distanceProfileChart(
      panels,
      { width: p.width, height: 70 + ctx.families.length * p.rowHeight, fontSize: p.fontSize },
      {
        models: models(ctx),
        nProbes: s.probes.by_family,
        selection: 'most-changed layers chosen on the selection half',
      },
    );
    return {
      name: this.name,
      spec,
      caption: caption('Attention over distance in the most-changed layers', [
        `What is plotted: for each task family (rows) and each of its most-changed attention layers (columns), the attention mass from the ${qs} tokens on keys at each query–key distance, in 32 log-spaced distance bins (bin edges in docs/run-store.md), averaged over the layer's heads and over probes; base dashed, tuned solid; bands are 95% bootstrap intervals. Each panel is labelled with its layer and the Jensen–Shannon divergence between the base and tuned profiles. Values: \`metrics_attention_distance\` (family, layer, query_set = ${qs}, bin).`,
        probesSentence(s, ctx.families),
        selectionSentence(s),
        ciSentence(s),
      ]),
    };
  },
};

const liftFigure: FigureDef = {
  name: '02-evidence-lift-per-layer',
  comparison: true,
  async build(ctx) {
    const s = summaryOf(ctx);
    const qs = primaryQuerySet(ctx);
    const heads = ctx.index.metrics.metrics_attention_heads!;
    const p = ctx.preset;
    const spec = liftLayersChart(
      ctx.families.map((family) => ({
        family,
        layers: layerMeans(heads, { family, querySet: qs, metric: 'evidence_lift' }),
      })),
      { width: p.width, height: 60 + ctx.families.length * p.rowHeight * 0.8, fontSize: p.fontSize },
      { metric: 'evidence_lift', querySet: qs, models: models(ctx), nProbes: s.probes.by_family },
    );
    return {
      name: this.name,
      spec,
      caption: caption('Evidence lift per layer', [
        `What is plotted: per task family, the evidence lift of each layer — the attention mass the ${qs} tokens put on evidence segments divided by what a uniform distribution over the visible keys would put there, averaged over the layer's heads and over probes (1 = no preference, dotted line); base dashed circles, tuned solid triangles, bars 95% bootstrap intervals. Values: \`metrics_attention_heads\` rows with head = −1, metric = evidence_lift.`,
        probesSentence(s, ctx.families),
        ciSentence(s),
      ]),
    };
  },
};

const headGridFigure: FigureDef = {
  name: '03-head-grid-delta-lift',
  comparison: true,
  async build(ctx) {
    const s = summaryOf(ctx);
    const qs = primaryQuerySet(ctx);
    const grid = headGrid(ctx.index.metrics.metrics_attention_heads!, {
      family: 'all',
      querySet: qs,
      metric: 'evidence_lift',
    });
    const selected = s.attention.top_heads.filter((h) => h.head !== null).slice(0, 2);
    const planted = ctx.groundTruth?.evidence_retrieval_heads ?? [];
    const marked = [
      ...planted.map((h) => ({ ...h, label: 'planted' })),
      ...selected
        .filter((h) => !planted.some((x) => x.layer === h.layer && x.head === h.head))
        .map((h) => ({ layer: h.layer, head: h.head!, label: 'selected' })),
    ];
    const p = ctx.preset;
    // A small grid gets a narrower figure (cells at most 4 em wide) rather than white space; the legend needs ~28 em.
    const width = Math.min(p.width, Math.max(p.fontSize * 28, p.fontSize * 5 + grid.nHeads * p.fontSize * 4));
    const spec = headGridChart(
      grid,
      { width, height: headGridHeight(grid, width, p.fontSize), fontSize: p.fontSize },

      { panel: 'delta', marked, models: models(ctx) },
    );
    const markText =
      planted.length > 0
        ? `Outlined: the planted retrieval heads of ground-truth.json (${planted.map((h) => `L${h.layer}H${h.head}`).join(', ')})${selected.length > 0 ? ` and the top heads chosen on the selection half (${selected.map((h) => `L${h.layer}H${h.head}`).join(', ')})` : ''}.`
        : `Outlined: the ${selected.length} heads ranked first by Δ evidence lift on the selection half (${selected.map((h) => `L${h.layer}H${h.head}`).join(', ')}).`;
    return {
      name: this.name,
      spec,
      caption: caption('Change in evidence lift per head', [
        `What is plotted: for every layer (rows) and query head (columns), tuned − base evidence lift of the ${qs} tokens over all probes (family = all), on a diverging scale centred at 0 (red: tuned looks more at the evidence). Values: \`metrics_attention_heads\` (metric = evidence_lift, delta).`,
        markText,
        probesSentence(s, Object.keys(s.probes.by_family)),
        selectionSentence(s),
        ciSentence(s),
      ]),
    };
  },
};

const stripFigure: FigureDef = {
  name: '06a-attention-strip',
  comparison: false,
  async build(ctx) {
    const probe = ctx.probe;
    if (probe === null) return null;
    const top = ctx.index.summary?.attention.top_heads.find((h) => h.head !== null);
    const layer = ctx.groundTruth?.evidence_retrieval_heads[0]?.layer ?? top?.layer ?? 0;
    const head = ctx.groundTruth?.evidence_retrieval_heads[0]?.head ?? top?.head ?? 0;
    const roles = ctx.index.pair
      ? ([
          [ctx.index.pair.base, 'base'],
          [ctx.index.pair.tuned, 'tuned'],
        ] as const)
      : ctx.index.models.map((m) => [m, 'tuned'] as const);
    const rows = [];
    let querySet = primaryQuerySet(ctx);
    for (const [name, role] of roles) {
      const unit = unitOf(ctx.index, name, probe.id);
      if (unit === undefined) continue;
      const layerRows = await loadAttentionLayer(ctx.cache, unit, layer);
      if (layerRows === null) continue;
      if (!layerRows.querySet.includes(querySet)) querySet = (layerRows.querySet[0] as string | undefined) ?? querySet;
      rows.push({ name, role, ...selectRows(layerRows, { head, querySet, queryPos: null }) });
    }
    if (rows.length === 0) return null;
    const p = ctx.preset;
    const spec = attentionStripChart(
      {
        probeId: probe.id,
        layer,
        head,
        querySet,
        queryPositions: rows[0]!.queryPositions,
        nTokens: probe.nTokens,
        window: { start: 0, end: probe.nTokens },
        segments: probe.segments,
        models: rows,
      },
      { width: p.width, height: p.name === 'single-column' ? 150 : 175, fontSize: p.fontSize },
    );
    const headWhy = ctx.groundTruth
      ? 'a planted retrieval head'
      : 'the head ranked first by Δ evidence lift on the selection half';
    return {
      name: this.name,
      spec,
      caption: caption(`Attention of L${layer}H${head} over the whole context of ${probe.id}`, [
        `What is plotted: probe ${probe.id} (${probe.family}, ${probe.nTokens} tokens; ${ctx.probeReason}). Top band: its segments by kind. Below, per model, the attention weights of layer ${layer} head ${head} (${headWhy}) from the ${querySet} tokens (mean of ${rows[0]!.rows} query rows), pooled into one bar per horizontal pixel column by summing, so a single attended token keeps its full height when zoomed out; every segment keeps at least one column. Only the top-k keys the capture kept are drawn (the legend gives the mean kept share of each row). Values: \`attention_rows\` of the probe's units, layer ${layer}.`,
      ]),
    };
  },
};

const routingStripFigure: FigureDef = {
  name: '06b-routing-strip',
  comparison: false,
  async build(ctx) {
    const probe = ctx.probe;
    if (probe === null) return null;
    const names = ctx.index.pair ? [ctx.index.pair.base, ctx.index.pair.tuned] : ctx.index.models;
    const grids = [];
    for (const name of names) {
      const unit = unitOf(ctx.index, name, probe.id);
      if (unit === undefined || !unit.files.some((f) => f.endsWith('/routing.arrow'))) continue;
      const grid = await loadRoutingGrid(ctx.cache, unit, probe.nTokens);
      if (grid !== null) grids.push({ name, grid });
    }
    if (grids.length === 0) return null;
    const L = grids[0]!.grid.layers.length;
    const p = ctx.preset;
    const spec = routingStripChart(
      {
        probeId: probe.id,
        layers: grids[0]!.grid.layers,
        positions: probe.nTokens,
        nExperts: Math.max(...grids.map((g) => g.grid.maxExpert)) + 1,
        window: { start: 0, end: probe.nTokens },
        segments: probe.segments,
        models: grids.map((g) => ({ name: g.name, top1: g.grid.top1 })),
      },
      { width: p.width, height: routingStripHeight(L, grids.length, p.fontSize), fontSize: p.fontSize },
    );
    return {
      name: this.name,
      spec,
      caption: caption(`Expert routing per token of ${probe.id}`, [
        `What is plotted: probe ${probe.id} (${probe.family}, ${probe.nTokens} tokens; ${ctx.probeReason}). Top band: segments. Then, per model, one row per MoE layer: each pixel column is coloured by the rank-0 expert of its tokens (the most frequent one where a column pools several tokens; colours identify experts, not an order). ${grids.length === 2 ? `Last block: the share of the column's tokens whose rank-0 expert differs between ${grids[0]!.name} and ${grids[1]!.name} (white 0, black 1).` : ''} Values: \`routing\` of the probe's units (rank = 0).`,
      ]),
    };
  },
};

const behaviourFigure: FigureDef = {
  name: '07-behaviour-link',
  comparison: true,
  async build(ctx) {
    const s = summaryOf(ctx);
    const table = ctx.index.metrics.metrics_behaviour;
    if (table === undefined || s.behaviour.link === null) return null;
    const p = ctx.preset;
    const spec = behaviourChart(behaviourPoints(table), s, {
      width: p.width,
      height: p.name === 'single-column' ? 150 : 200,
      fontSize: p.fontSize,
    });
    const link = s.behaviour.link;
    return {
      name: this.name,
      spec,
      caption: caption('Answer log-probability against evidence lift', [
        `What is plotted: one point per probe and model — the mean teacher-forced log-probability of the gold answer tokens (nats per token) against the evidence lift of the link head L${link.layer}H${link.head} (${link.query_set} tokens; the head ranked first by Δ evidence lift on the selection half), log x axis. Each panel gives Pearson r with its 95% bootstrap interval and Spearman ρ over ${s.behaviour.correlations[0]?.n_probes ?? 0} probes. Probes without visible evidence (lift 0) are not drawn. Values: \`metrics_behaviour\`.`,
        s.behaviour.delta_correlation === null
          ? null
          : `Across probes, tuned − base answer log-prob against tuned − base lift: r = ${s.behaviour.delta_correlation.pearson.value.toFixed(3)} [${s.behaviour.delta_correlation.pearson.lo.toFixed(3)}, ${s.behaviour.delta_correlation.pearson.hi.toFixed(3)}].`,
        ciSentence(s),
      ]),
    };
  },
};

/** The paper's figure set, in order (docs/figures.md). */
export const FIGURES: FigureDef[] = [
  distanceFigure,
  liftFigure,
  headGridFigure,
  ...expertFigures,
  stripFigure,
  routingStripFigure,
  behaviourFigure,
];
