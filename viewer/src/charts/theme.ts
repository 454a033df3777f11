/**
 * Colours, type and line styles shared by every chart. Model colours are Okabe–Ito (colour-blind
 * safe); base is also dashed and tuned solid, so the pair survives greyscale printing. Sequential
 * maps are viridis (lightness rises monotonically); Δ maps are diverging and centred at 0, with
 * the sign also readable from the legend's labels.
 */
export const FONT_FAMILY = 'DejaVu Sans';

export const MODEL_STYLE = {
  base: { color: '#0072B2', dash: '4,2', symbol: 'circle' },
  tuned: { color: '#D55E00', dash: null, symbol: 'triangle' },
} as const;

export type ModelRole = keyof typeof MODEL_STYLE;

/** Segment kinds → fill (Okabe–Ito plus greys); evidence is the strongest colour, filler near background. */
export const SEGMENT_COLORS: Record<string, string> = {
  evidence: '#009E73',
  question: '#CC79A7',
  answer: '#E69F00',
  distractor: '#999999',
  tool_response: '#56B4E9',
  system: '#F0E442',
  instruction: '#F0E442',
  filler: '#E8E8E8',
};
export const OTHER_SEGMENT_COLOR = '#CFCFCF';

export const segmentColor = (kind: string): string => SEGMENT_COLORS[kind] ?? OTHER_SEGMENT_COLOR;

export const SEQUENTIAL_SCHEME = 'viridis';
/** Blue = tuned lower, red = tuned higher. */
export const DIVERGING_SCHEME = 'burd';
/** Ink for marks that must read on any fill (planted-head outlines, selection). */
export const INK = '#111111';
export const MUTED = '#6b6b6b';
