import { basename, join } from 'node:path';
import { parsePlan } from '../../capture/plan.ts';
import { progressReporter } from '../../capture/progress.ts';
import { runCapture } from '../../capture/run-capture.ts';
import { parseShard } from '../../capture/shard.ts';
import { z } from 'zod';
import { fail } from '../../errors.ts';
import { readJsonFile } from '../../io/json-file.ts';
import { mergeRuns } from '../../io/merge-runs.ts';
import { chunkSizeFlag, epFlag } from '../capture-flags.ts';
import { isTerminal, parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: acc-lens capture --base A.onnx --tuned B.onnx --probes P.jsonl [--out runs/NAME]
       acc-lens capture --model M.onnx --probes P.jsonl [--out runs/NAME]
       acc-lens capture merge SHARD_DIR... --out runs/NAME`;

const HELP = `${USAGE}

Runs every probe through each model (the same token ids through both) and writes what attention and
the MoE routers did into an Arrow run store (docs/run-store.md), one part per model × probe.

What is captured (the default plan; docs/capture.md):
  attention_segments  segment × segment attention mass per layer and head, over all query tokens
  attention_distance  mass per distance bin (32 shared log-spaced bins) for the query sets
                      answer (teacher-forced answer tokens), last (last prompt token), question, all
  attention_rows      top-64 keys (weight ≥ 1e-4) of every answer, last and question row
  routing             top-k expert ids and gate weights of every token at every MoE layer
  answer_logprobs     log-prob of each gold answer token, teacher-forced
Full rows and full router probabilities only when a --plan asks for them.

Memory: the prompt runs in chunks of --chunk-size query tokens over the KV cache, and every
reduction happens inside the ONNX graph, so only small tensors reach JavaScript and the runtime holds
heads × chunk × context floats per layer, never context². The plan's peak memory and output size are
estimated first; a plan over budget (75 % of RAM unless the plan sets memory_budget_bytes) is refused
with what to drop.

Resume: rerun the same command. Finished units are kept after a check of their files (size and
sha256 against the manifest; a damaged unit is redone); a killed capture loses at most the unit it
was running. A run refuses to resume with other models, probes, tokenizer, plan or shard. While a
capture writes a run it holds RUN/.acc-lens/lock: a second capture into the same --out stops with
E_RUN_LOCKED. \`acc-lens verify RUN [--repair]\` checks a whole run (docs/run-store.md#integrity).

Before the first unit, every model is hashed, instrumented (into RUN/.acc-lens/, reused after a kill,
removed when the capture finishes) and opened, so a bad --tuned model stops the capture at once.
Probes over a limit (token ids outside the embedding, more tokens than the model's positions, an
estimated peak over the memory budget) are skipped with the reason in the manifest; the others run.

  --base A.onnx --tuned B.onnx   the model pair (run as "base" and "tuned")
  --model M.onnx                 one model alone (run under its file name)
  --probes P.jsonl               probe set (acc-lens probes … writes one)
  --out DIR                      run folder (default: runs/<probes basename>)
  --plan plan.json               capture plan (JSON; missing fields take the defaults)
  --chunk-size N                 query tokens per chunk (default auto: 1,024 up to 8k tokens, 512 at 16k; overrides the plan)
  --shard i/n                    capture only shard i of n: probes whose FNV-1a(id) mod n = i
  --tokenizer DIR                folder with tokenizer.json (default: Qwen3; pre-tokenized probes need none)
  --ep auto|cpu|cuda             execution provider (auto: CUDA when available, else CPU)
  --json                         print the summary as JSON

Shards: run --shard 0/4 … 3/4 into separate folders (on separate machines if you like), then
  acc-lens capture merge runs/x.0 runs/x.1 runs/x.2 runs/x.3 --out runs/x
which equals the unsharded run.

Example:
  acc-lens models build
  acc-lens probes mrcr --n 8 --tokens 2000 --out probes/mrcr.jsonl
  acc-lens capture --base models/reference-pair/base.fused.onnx --tuned models/reference-pair/tuned.fused.onnx --probes probes/mrcr.jsonl`;

const modelName = (path: string): string =>
  basename(path)
    .replace(/\.onnx$/i, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64) || 'model';

export const captureCommand: Command = {
  name: 'capture',
  summary: 'Run base and tuned (or one --model) on a probe set; capture attention and routing into an Arrow run store.',
  help: HELP,
  async run(argv) {
    if (argv[0] === 'merge') return merge(argv.slice(1));
    const { values, positionals } = parseFlags('capture', argv, {
      base: { type: 'string' },
      tuned: { type: 'string' },
      model: { type: 'string' },
      probes: { type: 'string' },
      out: { type: 'string' },
      plan: { type: 'string' },
      'chunk-size': { type: 'string' },
      shard: { type: 'string' },
      tokenizer: { type: 'string' },
      ep: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0)
      fail('E_USAGE', `acc-lens capture takes no positional arguments (got ${positionals.join(' ')})`, USAGE);
    const pair = values.base !== undefined || values.tuned !== undefined;
    if (pair && values.model !== undefined)
      fail('E_USAGE', 'acc-lens capture: give --base and --tuned, or --model, not both', USAGE);
    if (pair && (values.base === undefined || values.tuned === undefined))
      fail('E_USAGE', 'acc-lens capture: --base and --tuned go together', USAGE);
    if (!pair && values.model === undefined)
      fail('E_USAGE', 'acc-lens capture: give --base A --tuned B, or --model M', USAGE);
    if (values.probes === undefined) fail('E_USAGE', 'acc-lens capture: --probes P.jsonl is required', USAGE);
    const ep = epFlag(values.ep);
    const models = pair
      ? [
          { name: 'base', path: values.base! },
          { name: 'tuned', path: values.tuned! },
        ]
      : [{ name: modelName(values.model!), path: values.model! }];
    const planJson = values.plan === undefined ? {} : await readPlan(values.plan);
    const chunk = chunkSizeFlag(values['chunk-size']);
    if (chunk !== undefined) planJson.chunk_size = chunk;
    const plan = parsePlan(planJson, values.plan ?? 'capture plan');
    const out = values.out ?? join('runs', basename(values.probes).replace(/\.jsonl?$/i, ''));
    const tty = isTerminal() && !values.json;
    const write = (s: string) => (values.json ? process.stderr : process.stdout).write(s);
    const report = progressReporter(tty, write);
    const summary = await runCapture({
      models,
      probes: values.probes,
      out,
      plan,
      ep,
      ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
      ...(values.tokenizer !== undefined ? { tokenizerDir: values.tokenizer } : {}),
      onProgress: report,
      onNotice: (line) => write(`${line}\n`),
    }).finally(() => report.end());
    if (values.json) {
      const { manifest: _m, ...rest } = summary;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } else {
      const u = summary.units;
      process.stdout.write(
        `${out}: ${u.done} units captured, ${u.resumed} already done, ${u.skipped} skipped, ${summary.tokens} tokens in ${summary.seconds.toFixed(1)} s on ${summary.executionProvider}\n`,
      );
    }
    return 0;
  },
};

/** The plan file as a JSON object; its fields are checked by parsePlan, which names the file. */
const readPlan = (path: string): Promise<Record<string, unknown>> =>
  readJsonFile(
    path,
    z.record(z.string(), z.unknown()),
    'plan file',
    'Pass a JSON file; see docs/capture.md for the fields.',
  );

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('capture merge', argv, {
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length === 0 || values.out === undefined)
    fail('E_USAGE', 'acc-lens capture merge: give the shard folders and --out', USAGE);
  const manifest = await mergeRuns(positionals, values.out);
  const units = Object.keys(manifest.units).length;
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ run: values.out, units }, null, 2)}\n`
      : `${values.out}: merged ${positionals.length} shards, ${units} units\n`,
  );
  return 0;
}
