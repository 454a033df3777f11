/**
 * Publication sizes in points (1 SVG user unit = 1 pt; PDFs are sized in pt, PNGs rendered at 4×
 * ≈ 288 dpi). Column widths follow common two-column templates (ACL/NeurIPS single ≈ 3.3 in ≈ 240 pt,
 * full width ≈ 6.9 in ≈ 500 pt); 7–8 pt type stays legible printed at that width.
 */
export const PRESETS = {
  'single-column': { width: 240, fontSize: 6.5, rowHeight: 58 },
  'double-column': { width: 500, fontSize: 8, rowHeight: 86 },
} as const;

export type PresetName = keyof typeof PRESETS;
export type Preset = (typeof PRESETS)[PresetName] & { name: PresetName };

export const FORMATS = ['svg', 'png', 'pdf'] as const;
export type FigureFormat = (typeof FORMATS)[number];

export const presetOf = (name: PresetName): Preset => ({ ...PRESETS[name], name });
