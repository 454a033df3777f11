import { dirname, join, resolve } from 'node:path';
import { progressReporter } from '../../capture/progress.ts';
import { runCapture } from '../../capture/run-capture.ts';
import { AccLensError, fail } from '../../errors.ts';
import { ensureDir, writeFileAtomic } from '../../io/atomic-write.ts';
import { openRun } from '../../io/index.ts';
import { readJsonFile } from '../../io/json-file.ts';
import { removeRun } from '../../io/remove-run.ts';
import { buildPairFiles, DEFAULT_PAIR_DIR, pairModelPath } from '../../io/reference-pair.ts';
import { checkGroundTruth, GroundTruthSchema } from '../../metrics/ground-truth-check.ts';
import { computeMetrics, type MetricsOptions } from '../../metrics/run/compute-run.ts';
import { formatReport } from '../../metrics/run/report.ts';
import { epFlag } from '../capture-flags.ts';
import { isTerminal, parseFlags, type Command } from '../command.ts';
import { demoInterventions } from '../demo/demo-interventions.ts';
import { DEMO_SIZES, demoProbes } from '../demo/demo-probes.ts';
import { runSource, writeMetrics } from './metrics.ts';
import { serveRun } from './view.ts';
import { loadFigureContext } from '../../figures/context.ts';
import { writeFigureSet } from '../../figures/write-figures.ts';

const HELP = `Usage: acc-lens demo [--quick] [--no-serve] [--out DIR] [--ep auto|cpu|cuda]

Runs the whole acc-lens pipeline on the embedded reference model pair — no download, no GPU:
  1. models   builds the reference pair into models/reference-pair (reused when already built)
  2. probes   generates MRCR-, GraphWalks- and ACC-shaped (search, SWE, SQL) probes with evidence spans
  3. capture  runs every probe through base and tuned (fused ONNX graphs), capturing attention
              and expert routing into an Arrow run store
  4. metrics  computes the comparisons with bootstrap confidence intervals and prints the report
  5. check    compares what the metrics found with ground-truth.json — the mechanisms planted in
              the tuned model — and, after running its interventions (head ablation, a control,
              both router transplants) on 2 probes per family, the causal facts; exits 1 if
              anything was missed
  6. figures  renders the paper figures (SVG, PNG, PDF + captions) into RUN/figures
  7. view     serves the viewer for the run on http://127.0.0.1:7450/ and opens it, until Ctrl-C

Options:
  --quick       4 probes per family at ~1k tokens (under a minute); default 6 per family at ~4k
  --no-serve    stop after the check instead of serving the viewer (\`acc-lens view RUN\` serves it later)
  --out DIR     run folder (default runs/demo, or runs/demo-quick with --quick)
  --ep EP       execution provider: auto (CUDA when available, else CPU), cpu, cuda

Rerunning resumes: the pair is reused, probes are the same bytes, finished captures are kept.
Afterwards: acc-lens view RUN, acc-lens figures RUN --out DIR, acc-lens export RUN --parquet.`;

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'Build the reference pair, generate probes, capture, compute metrics, check them against the planted ground truth, and serve the viewer.',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('demo', argv, {
      quick: { type: 'boolean' },
      'no-serve': { type: 'boolean' },
      out: { type: 'string' },
      ep: { type: 'string' },
    });
    if (positionals.length > 0)
      fail('E_USAGE', `acc-lens demo takes no arguments (got ${positionals.join(' ')})`, 'Run `acc-lens demo --help`.');
    const ep = epFlag(values.ep);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const started = performance.now();
    const size = values.quick ? DEMO_SIZES.quick : DEMO_SIZES.full;
    const out = resolve(values.out ?? join('runs', values.quick ? 'demo-quick' : 'demo'));

    say('[1/6] reference model pair');
    const pair = await buildPairFiles(DEFAULT_PAIR_DIR, { reuse: true });
    say(
      pair.reused
        ? `      reused ${DEFAULT_PAIR_DIR}`
        : `      built ${pair.files.length} files in ${pair.seconds.toFixed(1)} s → ${DEFAULT_PAIR_DIR}`,
    );

    say(`[2/6] probes: ${size.perFamily} per family × 5 families at ~${size.tokens} tokens`);
    const probesPath = `${out}.probes.jsonl`;
    await ensureDir(dirname(probesPath));
    const probes = demoProbes(size);
    await writeFileAtomic(probesPath, `${probes.map((p) => JSON.stringify(p)).join('\n')}\n`);
    say(`      wrote ${probes.length} probes → ${probesPath}`);

    say('[3/6] capture: base and tuned (fused graphs)');
    const report = progressReporter(isTerminal(), (s) => process.stdout.write(s.startsWith('\r') ? s : `      ${s}`));
    const captureDemo = () =>
      runCapture({
        models: [
          { name: 'base', path: pairModelPath(DEFAULT_PAIR_DIR, 'base', 'fused') },
          { name: 'tuned', path: pairModelPath(DEFAULT_PAIR_DIR, 'tuned', 'fused') },
        ],
        probes: probesPath,
        out,
        ep,
        onProgress: report,
      });
    const capture = await captureDemo()
      .catch(async (error: unknown) => {
        // The demo owns its run folder: one made by another version or probe set is started afresh.
        if (!(
          error instanceof AccLensError &&
          error.code === 'E_CONFIG_INVALID' &&
          error.message.startsWith('cannot resume')
        ))
          throw error;
        say(
          `      ${out} was captured with other inputs (${error.message.replace(/^cannot resume [^:]*: /, '')}); starting it afresh`,
        );
        await removeRun(out);
        return captureDemo();
      })
      .finally(() => report.end());
    const u = capture.units;
    say(
      `      ${u.done} units captured, ${u.resumed} already done, ${u.skipped} skipped: ${capture.tokens} tokens in ${capture.seconds.toFixed(1)} s on ${capture.executionProvider} → ${out}`,
    );

    say('[4/6] metrics');
    const run = await openRun(out);
    const metricsOptions: MetricsOptions = {
      resamples: 1000,
      permutations: 1000,
      seed: 0,
      alpha: 0.05,
      method: 'percentile',
      selectOn: 'half',
      models: ['base', 'tuned'],
    };
    const metrics = await computeMetrics(runSource(run), metricsOptions);
    await writeMetrics(run, metrics);
    say(formatReport(metrics.summary).replace(/^/gm, '      '));

    say('[5/6] check against the planted ground truth (models/reference-pair/ground-truth.json)');
    const truthPath = join(DEFAULT_PAIR_DIR, 'ground-truth.json');
    const truth = await readJsonFile(truthPath, GroundTruthSchema, 'ground truth');
    say(`      interventions (head ablation, control, router transplants) → ${out}-intervene`);
    const evidence = await demoInterventions({
      truthPath,
      probesPath,
      base: pairModelPath(DEFAULT_PAIR_DIR, 'base', 'fused'),
      tuned: pairModelPath(DEFAULT_PAIR_DIR, 'tuned', 'fused'),
      out: `${out}-intervene`,
      perFamily: 2,
      ep,
      metrics,
      options: metricsOptions,
    });
    const checks = checkGroundTruth(metrics.summary, truth, evidence);
    for (const c of checks) say(`      ${c.pass ? '✓' : '✗'} ${c.name}: ${c.observed} (expected ${c.expected})`);
    const missed = checks.filter((c) => !c.pass).length;
    say(
      missed === 0
        ? `      all ${checks.length} planted effects recovered`
        : `      ${missed} of ${checks.length} checks FAILED`,
    );

    say(`[6/6] figures → ${join(out, 'figures')}`);
    const figures = await writeFigureSet(await loadFigureContext(out, { preset: 'double-column' }), {
      out: join(out, 'figures'),
      formats: ['svg', 'png', 'pdf'],
      // The demo owns RUN/figures: a rerun replaces what an earlier demo wrote there.
      force: true,
    });
    say(`      ${figures.written.length / 4} figures × (SVG, PNG, PDF, caption) in ${figures.seconds.toFixed(1)} s`);
    say(
      `Done in ${((performance.now() - started) / 1000).toFixed(0)} s. Explore: acc-lens view ${out} | acc-lens metrics ${out} --json | acc-lens export ${out} --parquet`,
    );
    if (!values['no-serve']) await serveRun({ runDir: out, open: true, say });
    return missed === 0 ? 0 : 1;
  },
};
