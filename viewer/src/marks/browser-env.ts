import type { Raster, RenderEnv } from '../charts/types.ts';

let canvas: HTMLCanvasElement | null = null;

/** Raster → PNG data URL through a canvas (native encoder: fast enough to redraw on every brush move). */
function canvasPngUrl(raster: Raster): string {
  canvas ??= document.createElement('canvas');
  canvas.width = raster.columns;
  canvas.height = raster.rows;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(raster.rgba), raster.columns, raster.rows), 0, 0);
  return canvas.toDataURL('image/png');
}

/**
 * The page's render environment: the real document, canvas rasters, nearest-neighbour scaling.
 * Rasters are encoded at their own size (one pixel per strip column or heatmap cell): the browser
 * scales them pixelated, so upscaling first would only make every redraw encode and decode more.
 */
export function browserEnv(): RenderEnv {
  return { document, rasterUrl: canvasPngUrl, imageRendering: 'pixelated', rasterDensity: 0 };
}
