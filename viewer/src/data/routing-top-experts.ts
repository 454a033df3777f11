import type { Columns } from './arrow-read.ts';
import { distinct } from './columns.ts';
import {
  mostChangedLayers,
  topExperts,
  type ChangedLayer,
  type ModelPair,
  type RankedExpert,
  type UsageMeasure,
} from './routing-experts.ts';

/** One panel of the paper's expert figure: a family's changed layer and its top-N experts. */
export interface TopExpertPanel {
  family: string;
  layer: ChangedLayer;
  experts: RankedExpert[];
}

export interface TopExpertFigure {
  models: ModelPair;
  measure: UsageMeasure;
  /** N of the top-N lists (the summary's `top_n_experts`). */
  n: number;
  nExperts: number;
  /** Row-major: families in order, each with its most-changed layers (rank on the selection half). */
  panels: TopExpertPanel[];
  /** Probes per family (from the summary), for the subtitle. */
  nProbes: Record<string, number | null>;
}

/**
 * The paper's expert figure data: for each family, its `layers` most-changed layers (selection JS,
 * ranked on the selection half) and in each the top-N experts by the tuned model's frequency,
 * with base and tuned usage side by side. Families default to every non-`all` family of the table.
 * Example: `topExpertFigure(m.metrics_routing_experts, m.metrics_routing_change, { models: index.pair, n: summary.settings.top_n_experts })`.
 */
export function topExpertFigure(
  experts: Columns,
  change: Columns,
  o: {
    models: ModelPair;
    n: number;
    families?: string[];
    layers?: number;
    measure?: UsageMeasure;
    nProbes?: Record<string, number | null>;
  },
): TopExpertFigure {
  const families = o.families ?? distinct(experts, 'family').filter((f) => f !== 'all');
  const measure = o.measure ?? 'frequency';
  const panels = families.flatMap((family) =>
    mostChangedLayers(change, { family, count: o.layers ?? 3 }).map((layer) => ({
      family,
      layer,
      experts: topExperts(experts, { by: 'tuned', family, layer: layer.layer, n: o.n, models: o.models, measure }),
    })),
  );
  const expertIds = experts['expert'] as ArrayLike<number>;
  let nExperts = 0;
  for (let i = 0; i < expertIds.length; i++) nExperts = Math.max(nExperts, expertIds[i]! + 1);
  const nProbes = Object.fromEntries(families.map((f) => [f, o.nProbes?.[f] ?? null]));
  return { models: o.models, measure, n: o.n, nExperts, panels, nProbes };
}
