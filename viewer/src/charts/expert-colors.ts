import { hcl } from 'd3';

const palette: (readonly [number, number, number])[] = [];

/**
 * A colour per expert id for routing strips. Hues step by the golden angle so neighbouring ids
 * differ strongly, lightness alternates in three levels; hover names the id. Identity by colour
 * is never colour-blind safe at 128 categories — highlighting one expert (others grey) is.
 */
export function expertColor(e: number): readonly [number, number, number] {
  // Strips paint one colour per pixel: each expert's is worked out once.
  let c = palette[e];
  if (c === undefined) {
    const { r, g, b } = hcl((e * 137.508) % 360, 55, [52, 68, 82][e % 3]!).rgb();
    c = palette[e] = [Math.round(r), Math.round(g), Math.round(b)];
  }
  return c;
}

export const HIGHLIGHT: [number, number, number] = [17, 17, 17];
export const DIMMED: [number, number, number] = [226, 226, 226];
export const EMPTY: [number, number, number] = [255, 255, 255];
