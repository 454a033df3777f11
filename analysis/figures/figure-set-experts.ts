import type { FigureDef } from './figure-set.ts';

/** Figures 4 (top experts of the most-changed layers) and 5 (I(task; expert) per layer). */
export const expertFigures: FigureDef[] = [];
