import { basename, join } from 'node:path';
import { progressReporter } from '../../capture/progress.ts';
import { fail } from '../../errors.ts';
import { readJsonFile } from '../../io/json-file.ts';
import { runIntervene } from '../../intervene/run-intervene.ts';
import { InterventionSpecSchema } from '../../schema/interventions.ts';
import { chunkSizeFlag, epFlag } from '../capture-flags.ts';
import { isTerminal, parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: acc-lens intervene --base A.onnx --tuned B.onnx --probes P.jsonl --spec SPEC.json [--out runs/NAME]`;

const HELP = `${USAGE}

Causal checks for a model pair: runs base, tuned and each intervention of SPEC on the same probes and
records the teacher-forced answer log-probs (and routing) of every one into a run store
(docs/interventions.md). Each intervention is a graph rewrite of base or tuned — both graph forms,
imported models included:
  ablate_heads   [{layer, head}]    ablate those query heads' outputs before o_proj, as head_ablation says:
  head_ablation  "zero" | "mean"    zeroed (default), or replaced by their mean over the positions of the
                                    forward pass (the probe, or its prefill chunk: see --chunk-size)
  mask_experts   [{layer, expert}]  remove experts from the top-k choice (the rest renormalised)
  force_experts  [{layer, expert}]  always select the expert (it takes nearly all the gate weight)
  routers_from   {model, layers}    run with the other model's router weights in those layers

SPEC.json:
  {"interventions": [
    {"name": "ablate-planted", "model": "tuned", "ablate_heads": [{"layer": 1, "head": 0}], "head_ablation": "mean"},
    {"name": "base-routers", "model": "tuned", "routers_from": {"model": "base", "layers": [1, 2]}}
  ]}

An intervention's units are stored under the model name <model>.<name>; RUN/interventions.json lists
them. Resumable like capture (same lock and atomic writes). \`acc-lens metrics RUN\` then adds the causal
tables: effect per intervention and family with paired bootstrap CIs and permutation p-values, and the
share of the tuned − base gain each removes or brings.

  --base A.onnx --tuned B.onnx   the model pair
  --probes P.jsonl               probe set
  --spec SPEC.json               the interventions
  --out DIR                      run folder (default: runs/<probes basename>.intervene)
  --chunk-size N                 query tokens per chunk (default auto)
  --tokenizer DIR                folder with tokenizer.json (default: Qwen3)
  --ep auto|cpu|cuda             execution provider
  --json                         print the summary as JSON`;

export const interveneCommand: Command = {
  name: 'intervene',
  summary:
    'Head ablation, expert masking/forcing and router transplants on a model pair: answer log-probs per intervention.',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('intervene', argv, {
      base: { type: 'string' },
      tuned: { type: 'string' },
      probes: { type: 'string' },
      spec: { type: 'string' },
      out: { type: 'string' },
      'chunk-size': { type: 'string' },
      tokenizer: { type: 'string' },
      ep: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0)
      fail('E_USAGE', `acc-lens intervene takes no positional arguments (got ${positionals.join(' ')})`, USAGE);
    for (const flag of ['base', 'tuned', 'probes', 'spec'] as const)
      if (values[flag] === undefined) fail('E_USAGE', `acc-lens intervene: --${flag} is required`, USAGE);
    const ep = epFlag(values.ep);
    const spec = await readJsonFile(values.spec!, InterventionSpecSchema, 'intervention spec');
    const chunk = chunkSizeFlag(values['chunk-size']);
    const plan = chunk === undefined ? {} : { chunk_size: chunk };
    const out = values.out ?? join('runs', `${basename(values.probes!).replace(/\.jsonl?$/i, '')}.intervene`);
    const write = (s: string) => (values.json ? process.stderr : process.stdout).write(s);
    const report = progressReporter(isTerminal() && !values.json, write);
    const summary = await runIntervene({
      base: values.base!,
      tuned: values.tuned!,
      probes: values.probes!,
      spec,
      out,
      plan,
      ep,
      ...(values.tokenizer !== undefined ? { tokenizerDir: values.tokenizer } : {}),
      onProgress: report,
      onNotice: (line) => write(`${line}\n`),
    }).finally(() => report.end());
    const u = summary.units;
    if (values.json) {
      const { manifest: _m, ...rest } = summary;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } else
      process.stdout.write(
        `${out}: ${spec.interventions.length} interventions; ${u.done} units captured, ${u.resumed} already done, ${u.skipped} skipped in ${summary.seconds.toFixed(1)} s\n`,
      );
    return 0;
  },
};
