import { parseHTML } from 'linkedom';
import { rasterPngUrl } from '../../viewer/src/charts/raster-png.ts';
import type { RenderEnv } from '../../viewer/src/charts/types.ts';

/** A render environment for Node: a linkedom document and pure-JS PNG rasters (deterministic bytes). */
export function nodeRenderEnv(): RenderEnv {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  return {
    document: document as unknown as Document,
    rasterUrl: rasterPngUrl,
    imageRendering: 'optimizeSpeed',
    rasterDensity: 3,
  };
}
