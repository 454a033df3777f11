import { hcl } from 'd3';

/**
 * A colour per expert id for routing strips. Hues step by the golden angle so neighbouring ids
 * differ strongly, lightness alternates in three levels; hover names the id. Identity by colour
 * is never colour-blind safe at 128 categories — highlighting one expert (others grey) is.
 */
export function expertColor(e: number): [number, number, number] {
  const c = hcl((e * 137.508) % 360, 55, [52, 68, 82][e % 3]!).rgb();
  return [Math.round(c.r), Math.round(c.g), Math.round(c.b)];
}

export const HIGHLIGHT: [number, number, number] = [17, 17, 17];
export const DIMMED: [number, number, number] = [226, 226, 226];
export const EMPTY: [number, number, number] = [255, 255, 255];
