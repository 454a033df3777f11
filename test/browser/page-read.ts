import { decode } from 'fast-png';
import type { Locator, Page } from 'playwright-core';

/** What a rendered chart holds, read from the page's DOM: its texts and its marks. */
export interface ChartContent {
  id: string;
  texts: string[];
  rects: number;
  paths: number;
  /** Every raster `<image>` of the chart as its PNG data URL. */
  images: string[];
}

/** Reads every chart (`figure.chart`) on the page. */
export async function readCharts(page: Page): Promise<ChartContent[]> {
  return page.$$eval('figure.chart', (figures) =>
    figures.map((f) => {
      const svg = f.querySelector('.canvas > svg')!;
      return {
        id: f.getAttribute('data-chart') ?? '',
        texts: [...svg.querySelectorAll('text')].map((t) => t.textContent ?? ''),
        // Marks only: the background rect of the root and of each Plot frame are not data.
        rects: svg.querySelectorAll('g[aria-label] rect').length,
        paths: svg.querySelectorAll('g[aria-label] path').length,
        images: [...svg.querySelectorAll('image')].map(
          (i) => i.getAttribute('href') ?? i.getAttribute('xlink:href') ?? '',
        ),
      };
    }),
  );
}

export interface Rgba {
  width: number;
  height: number;
  /** 4 bytes a pixel. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  channels: number;
}

/** Decodes a `data:image/png;base64,…` URL (throws if it is not a PNG). */
export function decodePngUrl(url: string): Rgba {
  const m = /^data:image\/png;base64,(.+)$/.exec(url);
  if (m === null) throw new Error(`not a PNG data URL: ${url.slice(0, 40)}…`);
  const png = decode(Buffer.from(m[1]!, 'base64'));
  return { width: png.width, height: png.height, data: png.data, channels: png.channels };
}

/** Number of distinct colours in a decoded image (a blank raster has one). */
export function distinctColours(img: Rgba): number {
  const seen = new Set<number>();
  const c = img.channels;
  for (let i = 0; i < img.width * img.height; i++)
    seen.add((img.data[i * c]! << 16) | (img.data[i * c + 1]! << 8) | img.data[i * c + 2]!);
  return seen.size;
}

/** The text of the tooltip Plot shows in `chart` after the pointer moved to (x, y) in page pixels. */
export async function tooltipAt(page: Page, chart: Locator, x: number, y: number): Promise<string> {
  await page.mouse.move(x, y);
  const tip = chart.locator('g[aria-label="tip"] text, .tip').first();
  await tip.waitFor({ state: 'visible', timeout: 5000 });
  return (await tip.textContent())?.trim() ?? '';
}
