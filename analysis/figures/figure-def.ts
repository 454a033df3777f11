import type { ChartSpec } from '../../viewer/src/charts/types.ts';
import type { FigureContext } from './context.ts';

/** One figure of the set: its chart description and its caption. */
export interface Figure {
  name: string;
  spec: ChartSpec;
  caption: string;
}

export interface FigureDef {
  name: string;
  /** Needs two models and their metrics; skipped with a notice on a single-model run. */
  comparison: boolean;
  build(ctx: FigureContext): Promise<Figure | null>;
}
