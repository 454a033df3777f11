import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../analysis/cli/main.ts';
import { loadFigureContext, type FigureContext } from '../../analysis/figures/context.ts';
import { FIGURES } from '../../analysis/figures/figure-set.ts';
import { chartSvg, figureFiles } from '../../analysis/figures/write-figures.ts';
import { numbers, strings } from '../../viewer/src/data/columns.ts';
import { writeSyntheticRun } from './synthetic-run.ts';

const SNAPSHOTS = new URL('./snapshots/', import.meta.url);
let run: string;
let ctx: FigureContext;

beforeAll(async () => {
  run = await writeSyntheticRun();
  ctx = await loadFigureContext(run, { preset: 'double-column' });
}, 120_000);

/** Compares with the checked-in SVG; a mismatch writes `<name>-changed.svg` beside it for review. */
function matchSnapshot(name: string, svg: string): void {
  const file = new URL(`${name}.svg`, SNAPSHOTS);
  const changed = new URL(`${name}-changed.svg`, SNAPSHOTS);
  if (process.env.UPDATE_SNAPSHOTS === '1') return writeFileSync(file, svg);
  if (!existsSync(file)) {
    writeFileSync(changed, svg);
    throw new Error(
      `no snapshot for ${name}; review ${changed.pathname}, rename it to ${name}.svg (or run with UPDATE_SNAPSHOTS=1)`,
    );
  }
  if (readFileSync(file, 'utf8') === svg) {
    if (existsSync(changed)) void rm(changed);
    return;
  }
  writeFileSync(changed, svg);
  throw new Error(`${name}.svg changed; review ${changed.pathname} and replace the snapshot if the change is intended`);
}

describe('acc-lens figures on a hand-built run', () => {
  it('every figure matches its checked-in SVG snapshot (double-column)', async () => {
    const names: string[] = [];
    for (const def of FIGURES) {
      const figure = await def.build(ctx);
      expect(figure, def.name).not.toBeNull();
      matchSnapshot(def.name, chartSvg(figure!.spec));
      names.push(def.name);
    }
    expect(names).toEqual(FIGURES.map((f) => f.name));
    expect(names).toHaveLength(8);
  });

  it('renders the same bytes twice: SVG, PNG and PDF (fixed creation date)', async () => {
    const again = await loadFigureContext(run, { preset: 'single-column' });
    const once = await loadFigureContext(run, { preset: 'single-column' });
    for (const def of FIGURES.slice(0, 3).concat(FIGURES.slice(-2))) {
      const a = await figureFiles((await def.build(once))!, ['svg', 'png', 'pdf']);
      const b = await figureFiles((await def.build(again))!, ['svg', 'png', 'pdf']);
      for (const [file, bytes] of a) expect(Buffer.from(b.get(file)!).equals(Buffer.from(bytes)), file).toBe(true);
    }
  });

  it('figure 1 plots exactly the values of metrics_attention_distance', async () => {
    const def = FIGURES.find((f) => f.name.startsWith('01'))!;
    const spec = (await def.build(ctx))!.spec;
    type P = { family: string; slot: number; model: string; bin: number; value: number; lo: number; hi: number };
    const lines = spec.plot.marks.filter(
      (m) => (m as { ariaLabel?: string } | null)?.ariaLabel === 'line',
    ) as unknown as { data: P[] }[];
    expect(lines).toHaveLength(2);
    const table = ctx.index.metrics.metrics_attention_distance!;
    const summary = ctx.index.summary!;
    let checked = 0;
    for (const p of lines.flatMap((l) => l.data)) {
      const layer = summary.attention.most_changed_layers.filter(
        (m) => m.family === p.family && m.query_set === 'answer',
      )[p.slot]!.layer;
      const i = strings(table, 'family').findIndex(
        (f, j) =>
          f === p.family &&
          strings(table, 'query_set')[j] === 'answer' &&
          numbers(table, 'layer')[j] === layer &&
          numbers(table, 'bin')[j] === p.bin,
      );
      const role = p.model === 'base' ? 'base' : 'tuned';
      expect(p.value).toBe(Math.max(1e-5, numbers(table, role)[i]!));
      expect(p.lo).toBe(Math.max(1e-5, numbers(table, `${role}_lo`)[i]!));
      expect(p.hi).toBe(Math.max(1e-5, numbers(table, `${role}_hi`)[i]!));
      checked++;
    }
    // 3 families × 3 layers × (bins up to the last non-empty one) × 2 models.
    expect(checked).toBeGreaterThan(3 * 3 * 10 * 2);
  });

  it("figure 4 plots exactly metrics_routing_experts' frequencies, experts in the tuned rank order", async () => {
    const spec = (await FIGURES.find((f) => f.name.startsWith('04'))!.build(ctx))!.spec;
    type P = { family: string; layer: number; slot: number; expert: number; base: number; tuned: number };
    const points = (
      spec.plot.marks.find((m) => (m as { ariaLabel?: string } | null)?.ariaLabel === 'line') as unknown as {
        data: P[];
      }
    ).data;
    const t = ctx.index.metrics.metrics_routing_experts!;
    const at = (model: string, p: P) =>
      strings(t, 'model').findIndex(
        (m, j) =>
          m === model &&
          strings(t, 'family')[j] === p.family &&
          numbers(t, 'layer')[j] === p.layer &&
          numbers(t, 'expert')[j] === p.expert,
      );
    for (const p of points) {
      expect(p.tuned).toBe(numbers(t, 'frequency')[at('tuned', p)]);
      expect(p.base).toBe(numbers(t, 'frequency')[at('base', p)]);
      expect(numbers(t, 'rank')[at('tuned', p)]).toBe(p.slot);
    }
    // 3 families × 3 layers × top-N experts (N = 3 of 8 experts, the summary's top_n_experts).
    expect(points).toHaveLength(3 * 3 * ctx.index.summary!.settings.top_n_experts);
    // Layer 1 is planted: tuned sends each family's rank-0 picks to its own pair of experts, so its top expert
    // holds more than twice the uniform share (1/8), and base's do not.
    expect(Math.min(...points.filter((p) => p.layer === 1 && p.slot === 0).map((p) => p.tuned))).toBeGreaterThan(0.25);
    expect(Math.max(...points.filter((p) => p.layer === 1 && p.slot === 0).map((p) => p.base))).toBeLessThan(0.25);
  });

  it('the planted head is outlined in figure 3 and is the largest Δ cell', async () => {
    const spec = (await FIGURES.find((f) => f.name.startsWith('03'))!.build(ctx))!.spec;
    const [cells, outlines] = spec.plot.marks as unknown as {
      data: { layer: number; head: number; value: number }[];
    }[];
    const top = [...cells!.data].sort((a, b) => b.value - a.value)[0]!;
    expect([top.layer, top.head]).toEqual([1, 0]);
    expect(outlines!.data.map((d) => `L${d.layer}H${d.head}`)).toContain('L1H0');
  });
});

describe('acc-lens figures command', () => {
  const cli = (...args: string[]) => main(['figures', ...args]);

  it('writes every figure in every format plus a caption naming n, the CI method and the selection rule', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'acc-lens-figs-')), 'out');
    expect(await cli(run, '--out', out, '--preset', 'single-column')).toBe(0);
    for (const def of FIGURES)
      for (const ext of ['svg', 'png', 'pdf', 'caption.md'])
        expect(existsSync(join(out, `${def.name}.${ext}`)), `${def.name}.${ext}`).toBe(true);
    const caption = await readFile(join(out, '01-attention-distance-profiles.caption.md'), 'utf8');
    expect(caption).toMatch(/mrcr n = 4/);
    expect(caption).toMatch(/percentile bootstrap over probes \(200 resamples/);
    expect(caption).toMatch(/selection half \(6 probes\).*other half \(6 probes/);
    expect((await readFile(join(out, '03-head-grid-delta-lift.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses to replace existing files without --force (E_OUTPUT_EXISTS, exit 14) and changes nothing', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'acc-lens-figs-')), 'out');
    expect(await cli(run, '--out', out, '--format', 'svg', '--only', '02')).toBe(0);
    const file = join(out, '02-evidence-lift-per-layer.svg');
    await writeFile(file, 'mine');
    const before = await stat(file);
    expect(await cli(run, '--out', out, '--format', 'svg', '--only', '02')).toBe(14);
    expect(await readFile(file, 'utf8')).toBe('mine');
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    expect(await cli(run, '--out', out, '--format', 'svg', '--only', '02', '--force')).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^<\?xml/);
  });

  it('names the fix for bad input: no metrics (13), unknown family, probe or format (2)', async () => {
    const bare = await writeSyntheticRun({ metrics: false });
    const out = join(await mkdtemp(join(tmpdir(), 'acc-lens-figs-')), 'out');
    expect(await cli(bare, '--out', out)).toBe(13);
    expect(await cli(run, '--out', out, '--families', 'mrcr,nope')).toBe(2);
    expect(await cli(run, '--out', out, '--probe', 'nope-1')).toBe(2);
    expect(await cli(run, '--out', out, '--format', 'svg,tiff')).toBe(2);
    expect(await cli(run)).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('a run of one model alone gets the strips; comparison figures are skipped with a notice', async () => {
    const single = await writeSyntheticRun({ models: ['base'] });
    const out = join(await mkdtemp(join(tmpdir(), 'acc-lens-figs-')), 'out');
    expect(await cli(single, '--out', out, '--format', 'svg')).toBe(0);
    expect(existsSync(join(out, '06a-attention-strip.svg'))).toBe(true);
    expect(existsSync(join(out, '06b-routing-strip.svg'))).toBe(true);
    expect(existsSync(join(out, '01-attention-distance-profiles.svg'))).toBe(false);
  });
});
