import { encode } from 'fast-png';
import type { Raster } from './types.ts';

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A raster as a PNG data URL, byte-identical on every platform (pure JS; used by figures in Node). */
export function rasterPngUrl(raster: Raster): string {
  const png = encode({ width: raster.columns, height: raster.rows, data: raster.rgba, channels: 4, depth: 8 });
  return `data:image/png;base64,${base64(png)}`;
}
