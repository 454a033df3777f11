import { resolve } from 'node:path';
import { z } from 'zod';
import { AccLensError, fail } from '../../errors.ts';
import { loadFigureContext } from '../../figures/context.ts';
import { FORMATS, PRESETS, type FigureFormat, type PresetName } from '../../figures/presets.ts';
import { writeFigureSet } from '../../figures/write-figures.ts';
import { checkRunFolder } from '../../view/run-folder.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE =
  'Usage: acc-lens figures RUN --out DIR [--format svg,png,pdf] [--preset single-column|double-column] [--families a,b] [--probe ID] [--only NAME,…] [--ground-truth FILE] [--force]';

const HELP = `${USAGE}

Renders the paper's mechanism figures for a run — the same chart descriptions the viewer draws —
as SVG (vector), PNG (≈ 288 dpi) and PDF (vector, text as text), each with a caption file
<name>.caption.md saying what is plotted, the sample counts, the CI method and how layers were
selected. The same run gives the same bytes every time (PDF creation date fixed).

Figures:
  01-attention-distance-profiles  attention mass over 32 log-spaced distance bins, base vs tuned with
                                  CI bands, the 3 most-changed layers per task (the ACC paper's attention figure)
  02-evidence-lift-per-layer      evidence lift per layer with CIs, per task, base vs tuned
  03-head-grid-delta-lift         layer × head heatmap of Δ evidence lift (diverging at 0), planted
                                  (ground-truth.json) and selected heads outlined
  04-top-experts                  selection frequency of the top-20 experts × the 3 most-changed
                                  layers per task, base vs tuned (the paper's expert figure)
  05-mi-per-layer                 I(task; expert) per layer with CIs and the permutation null
  06a-attention-strip             one probe: its segments and where a retrieval head attends, whole context
  06b-routing-strip               one probe: the rank-0 expert of every layer and token, base vs tuned
  07-behaviour-link               per-probe answer log-prob against evidence lift, r with CI

Options:
  --out DIR          folder to write (created; existing files are refused unless --force)
  --format LIST      any of svg, png, pdf (default: all three)
  --preset NAME      single-column (240 pt wide) or double-column (500 pt, the default)
  --families LIST    task families for the per-task figures (default: every family of the run)
  --probe ID         the probe of figures 06a/06b (default: the report-half probe whose evidence
                     lift at the link head gained most)
  --only LIST        render only figures whose names contain one of these (e.g. --only 01,06)
  --ground-truth F   planted mechanisms to outline (default: ground-truth.json beside the run's models, if any)
  --force            replace files that already exist in --out

A run of one model alone gets the single-model figures (06a, 06b); the comparison figures are
skipped with a notice. Needs \`acc-lens metrics RUN\` first for the comparison figures.

Example:
  acc-lens figures runs/demo --out figures --preset single-column --format pdf,png`;

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

export const figuresCommand: Command = {
  name: 'figures',
  summary: "Render the paper figures (SVG/PNG/PDF + captions) for a run, from the viewer's own charts.",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('figures', argv, {
      out: { type: 'string' },
      format: { type: 'string' },
      preset: { type: 'string' },
      families: { type: 'string' },
      probe: { type: 'string' },
      only: { type: 'string' },
      'ground-truth': { type: 'string' },
      force: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const [runDir, ...extra] = positionals;
    if (runDir === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens figures takes one RUN folder (got ${positionals.length})`, USAGE);
    if (values.out === undefined) fail('E_USAGE', 'acc-lens figures needs --out DIR', USAGE);
    const formats = list(values.format) ?? [...FORMATS];
    const bad = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
    if (bad.length > 0)
      fail(
        'E_USAGE',
        `--format ${bad.join(',')}: unknown format`,
        `Use any of ${FORMATS.join(', ')}, comma-separated.`,
      );
    const preset = z
      .enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]])
      .safeParse(values.preset ?? 'double-column');
    if (!preset.success) fail('E_USAGE', `--preset ${values.preset}: expected ${Object.keys(PRESETS).join(' or ')}`);
    await checkRunFolder(runDir);
    const ctx = await loadFigureContext(runDir, {
      preset: preset.data,
      ...(values.families !== undefined ? { families: list(values.families)! } : {}),
      ...(values.probe !== undefined ? { probe: values.probe } : {}),
      ...(values['ground-truth'] !== undefined ? { groundTruth: values['ground-truth'] } : {}),
    });
    if (ctx.index.summary === null && ctx.index.models.length >= 2)
      throw new AccLensError(
        'E_METRICS_MISSING',
        `${runDir} has no metrics (metrics/summary.json)`,
        `Run \`acc-lens metrics ${runDir}\`, then rerun this command.`,
      );
    const out = resolve(values.out);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const report = await writeFigureSet(ctx, {
      out,
      formats: formats as FigureFormat[],
      force: values.force === true,
      ...(values.only !== undefined ? { only: list(values.only)! } : {}),
      onFigure: (name, seconds) => say(`  ${name}  ${seconds.toFixed(2)} s`),
    });
    for (const s of report.skipped) say(`  skipped ${s.name}: ${s.why}`);
    say(
      `Wrote ${report.written.length} files to ${out} in ${report.seconds.toFixed(1)} s (${preset.data}, ${formats.join('+')}).`,
    );
    return 0;
  },
};
