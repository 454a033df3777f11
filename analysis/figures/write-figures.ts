import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AccLensError } from '../errors.ts';
import { ensureDir, writeFileAtomic } from '../io/atomic-write.ts';
import { renderChart } from '../../viewer/src/charts/render.ts';
import type { ChartSpec } from '../../viewer/src/charts/types.ts';
import type { FigureContext } from './context.ts';
import { svgToPdf, svgToPng } from './export-formats.ts';
import { FIGURES, type Figure } from './figure-set.ts';
import { nodeRenderEnv } from './node-env.ts';
import type { FigureFormat } from './presets.ts';

/** A chart description as standalone SVG text (the bytes `figures` writes; the viewer draws the same). */
export function chartSvg(spec: ChartSpec): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderChart(spec, nodeRenderEnv()).outerHTML}\n`;
}

/** Every format of one figure, in memory. */
export async function figureFiles(
  figure: Figure,
  formats: readonly FigureFormat[],
): Promise<Map<string, Uint8Array | string>> {
  const svg = chartSvg(figure.spec);
  const root = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const [w, h] = root === null ? [figure.spec.size.width, figure.spec.size.height] : [Number(root[1]), Number(root[2])];
  const out = new Map<string, Uint8Array | string>();
  if (formats.includes('svg')) out.set(`${figure.name}.svg`, svg);
  if (formats.includes('png')) out.set(`${figure.name}.png`, svgToPng(svg));
  if (formats.includes('pdf')) out.set(`${figure.name}.pdf`, await svgToPdf(svg, w, h, figure.spec.title));
  out.set(`${figure.name}.caption.md`, figure.caption);
  return out;
}

export interface FigureReport {
  written: string[];
  skipped: { name: string; why: string }[];
  seconds: number;
}

/**
 * Renders the figure set into `out`: every figure in every format plus its caption. Refuses to
 * replace existing files unless `force`; each file is written atomically.
 */
export async function writeFigureSet(
  ctx: FigureContext,
  o: {
    out: string;
    formats: readonly FigureFormat[];
    force: boolean;
    only?: readonly string[];
    onFigure?: (name: string, seconds: number) => void;
  },
): Promise<FigureReport> {
  const started = performance.now();
  const report: FigureReport = { written: [], skipped: [], seconds: 0 };
  const comparable = ctx.index.pair !== null && ctx.index.summary !== null;
  const todo = FIGURES.filter((f) => o.only === undefined || o.only.some((n) => f.name.includes(n)));
  const rendered: Map<string, Uint8Array | string>[] = [];
  for (const def of todo) {
    const t0 = performance.now();
    if (def.comparison && !comparable) {
      report.skipped.push({
        name: def.name,
        why: ctx.index.pair === null ? 'needs two models; this run holds one' : 'needs metrics',
      });
      continue;
    }
    const figure = await def.build(ctx);
    if (figure === null) {
      report.skipped.push({ name: def.name, why: 'the run holds no data for it' });
      continue;
    }
    rendered.push(await figureFiles(figure, o.formats));
    o.onFigure?.(def.name, (performance.now() - t0) / 1000);
  }
  // Check every target first: nothing is written when one would be replaced without --force.
  const targets = rendered.flatMap((files) => [...files.keys()]);
  const existing = targets.filter((name) => existsSync(join(o.out, name)));
  if (existing.length > 0 && !o.force)
    throw new AccLensError(
      'E_OUTPUT_EXISTS',
      `${o.out} already holds ${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ` and ${existing.length - 3} more` : ''}`,
    );
  await ensureDir(o.out);
  for (const files of rendered)
    for (const [name, bytes] of files) {
      await writeFileAtomic(join(o.out, name), bytes);
      report.written.push(join(o.out, name));
    }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
