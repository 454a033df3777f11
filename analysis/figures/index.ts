/**
 * The figures API (`acc-lens/figures`, docs/api.md): open a run for figures, build one figure or
 * the set, and turn a chart into SVG, PNG or PDF — what `acc-lens figures` and the notebooks call.
 *
 * ```ts
 * const ctx = await loadFigureContext('runs/demo', { preset: 'single-column' });
 * const fig = await buildFigure(ctx, '01-attention-distance-profiles');
 * const svg = chartSvg(fig.spec);           // the same drawing as the viewer's panel
 * ```
 */
import { AccLensError } from '../errors.ts';
import type { FigureContext } from './context.ts';
import { FIGURES, type Figure } from './figure-set.ts';

export { loadFigureContext, type FigureContext, type FigureOptions } from './context.ts';
export { FIGURES, type Figure, type FigureDef } from './figure-set.ts';
export { chartSvg, figureFiles, writeFigureSet, type FigureReport } from './write-figures.ts';
export { svgToPdf, svgToPng, FIGURE_FONTS } from './export-formats.ts';
export { PRESETS, FORMATS, type PresetName, type FigureFormat } from './presets.ts';
export { nodeRenderEnv } from './node-env.ts';
export { renderChart } from '../../viewer/src/charts/render.ts';
export type { ChartSpec, ChartSize } from '../../viewer/src/charts/types.ts';

/** Builds one figure of the set by name (or a unique prefix such as `01`); null when the run has no data for it. */
export async function buildFigure(ctx: FigureContext, name: string): Promise<Figure | null> {
  const matches = FIGURES.filter((f) => f.name === name || f.name.startsWith(name));
  if (matches.length !== 1)
    throw new AccLensError(
      'E_USAGE',
      `figure "${name}" ${matches.length === 0 ? 'does not exist' : 'is ambiguous'}`,
      `Choose one of: ${FIGURES.map((f) => f.name).join(', ')}.`,
    );
  const def = matches[0]!;
  if (def.comparison && (ctx.index.pair === null || ctx.index.summary === null)) return null;
  return def.build(ctx);
}
