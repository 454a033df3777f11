import { join } from 'node:path';
import { z } from 'zod';
import { fail } from '../../errors.ts';
import { openRun } from '../../io/index.ts';
import { runSource, writeMetrics } from '../../io/metrics-files.ts';
import { computeMetrics, type MetricsOptions } from '../../metrics/run/compute-run.ts';
import { readJsonIfExists } from '../../io/read-json.ts';
import { computeCausal, formatCausal } from '../../metrics/run/compute-causal.ts';
import { formatReport } from '../../metrics/run/report.ts';
import { INTERVENTIONS_FILE, InterventionsFileSchema } from '../../schema/interventions.ts';
import { METRICS_DIR } from '../../schema/metrics-tables.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE =
  'Usage: acc-lens metrics RUN [--resamples N] [--permutations N] [--seed S] [--select-on half|none|split:S] [--ci percentile|bca] [--alpha A] [--top-experts N] [--base NAME] [--tuned NAME] [--json]';
const HELP = `${USAGE}

Compares the base and the tuned model of a captured run and writes derived tables with
confidence intervals to RUN/metrics/ (Arrow, one file per table) plus RUN/metrics/summary.json,
then prints the headline findings.

What it computes (every definition in docs/metrics.md):
  attention  per task family × layer × head (and head mean) × query set: evidence mass and lift
             (mass ÷ what uniform attention over the visible keys 0..q would give), distractor
             mass and lift, sink mass (key 0), local mass (distance < 14), binned entropy; the
             32-bin distance profile; per-layer change = JS divergence of base vs tuned profiles
  routing    per model × task × layer × expert: selection frequency (top-k counts), gate-weighted
             usage; per-layer change (JS); I(task; expert) against a family-permutation null;
             expert task selectivity; top-N overlap between tasks; entropy and load balance;
             token-level agreement (top-1 match, top-k Jaccard) on evidence vs other tokens
  behaviour  answer log-prob per probe and its correlation with evidence lift at the top head
  causal     runs of \`acc-lens intervene\`: per intervention and family, the effect on answer log-prob
             (paired bootstrap CI, sign-flip p-value) and the share of the tuned − base gain it
             removes (rewrites of tuned) or brings (rewrites of base) → metrics_causal

Statistics: probes are the unit. Every base-vs-tuned difference gets a paired bootstrap interval
(probes resampled within each task family; both models share the resample) and a paired
permutation p-value (models swapped within probes; exact when ≤ 10 probes).
Layer and head selection is honest by default: --select-on half picks the most-changed layers and
top heads on one half of each family's probes and reports their numbers on the other half.

  --resamples N      bootstrap resamples (default 1000)
  --permutations N   permutations for p-values and the MI null (default 1000)
  --seed S           seed of resampling, permutations and the split (default 0)
  --select-on MODE   half (default), split:S (half, split seeded with S), none (post hoc, all probes)
  --ci METHOD        percentile (default) or bca (bias-corrected and accelerated)
  --alpha A          1 − confidence level (default 0.05 → 95% intervals)
  --top-experts N    N of top-N expert lists and overlaps (default 20 at 128 experts, same share otherwise)
  --base / --tuned   model names in the run (default base / tuned)
  --json             print summary.json instead of the report

Example:
  acc-lens metrics runs/demo --resamples 2000 --select-on half
  python -c "import pyarrow.feather as f; print(f.read_table('runs/demo/metrics/metrics_routing_mi.arrow').to_pandas())"`;

const FlagsSchema = z.object({
  resamples: z.coerce.number().int().min(1).max(100_000).default(1000),
  permutations: z.coerce.number().int().min(1).max(100_000).default(1000),
  seed: z.coerce.number().int().min(0).default(0),
  'select-on': z
    .string()
    .regex(/^(half|none|split:\d+)$/, 'expected half, none or split:SEED')
    .default('half'),
  ci: z.enum(['percentile', 'bca']).default('percentile'),
  alpha: z.coerce.number().gt(0).lt(1).default(0.05),
  'top-experts': z.coerce.number().int().min(1).optional(),
  base: z.string().default('base'),
  tuned: z.string().default('tuned'),
});

export { runSource, writeMetrics } from '../../io/metrics-files.ts';

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'Compute attention and routing metrics with bootstrap confidence intervals for a run.',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('metrics', argv, {
      resamples: { type: 'string' },
      permutations: { type: 'string' },
      seed: { type: 'string' },
      'select-on': { type: 'string' },
      ci: { type: 'string' },
      alpha: { type: 'string' },
      'top-experts': { type: 'string' },
      base: { type: 'string' },
      tuned: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [runDir, ...extra] = positionals;
    if (runDir === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens metrics takes one RUN folder (got ${positionals.length})`, USAGE);
    const { json, help: _help, ...rest } = values;
    const parsed = FlagsSchema.safeParse(rest);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail('E_USAGE', `acc-lens metrics: --${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`, USAGE);
    }
    const flags = parsed.data;
    const run = await openRun(runDir);
    for (const m of [flags.base, flags.tuned]) {
      if (run.manifest.models[m] === undefined)
        fail(
          'E_USAGE',
          `${runDir} has no model "${m}"; it has ${Object.keys(run.manifest.models).join(', ')}`,
          'Name the two models with --base NAME --tuned NAME.',
        );
    }
    const selectOn = flags['select-on'];
    const options: MetricsOptions = {
      resamples: flags.resamples,
      permutations: flags.permutations,
      seed: flags.seed,
      alpha: flags.alpha,
      method: flags.ci,
      selectOn: selectOn === 'none' ? 'none' : 'half',
      ...(selectOn.startsWith('split:') ? { splitSeed: Number(selectOn.slice(6)) } : {}),
      models: [flags.base, flags.tuned],
      ...(flags['top-experts'] !== undefined ? { topN: flags['top-experts'] } : {}),
    };
    const output = await computeMetrics(runSource(run), options, (stage) => {
      if (!json) process.stderr.write(`metrics: ${stage}…\n`);
    });
    if (output.summary.probes.n === 0)
      fail(
        'E_USAGE',
        `${runDir} has no probe finished for both ${flags.base} and ${flags.tuned}`,
        'Run `acc-lens capture` on the run first.',
      );
    const interventions = await readJsonIfExists(join(runDir, INTERVENTIONS_FILE), InterventionsFileSchema);
    const causal = interventions === null ? null : await computeCausal(runSource(run), interventions, options);
    if (causal !== null) output.tables.metrics_causal = causal.rows;
    const files = await writeMetrics(run, output);
    process.stdout.write(
      json
        ? `${JSON.stringify(causal === null ? output.summary : { ...output.summary, causal: causal.summary }, null, 2)}\n`
        : `${formatReport(output.summary)}${causal === null ? '' : `\n${formatCausal(causal.summary)}`}\nWrote ${files.length} files to ${join(runDir, METRICS_DIR)}/\n`,
    );
    return 0;
  },
};
