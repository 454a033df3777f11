import { resolve } from 'node:path';
import { AccLensError } from '../../errors.ts';
import { buildPairFiles, DEFAULT_PAIR_DIR } from '../../io/reference-pair.ts';
import { parseFlags, type Command } from '../command.ts';

const HELP = `Usage: acc-lens models build [--out DIR] [--json]

Builds the embedded reference model pair — no download, no GPU. Two small Qwen3-MoE decoders
(4 layers, hidden 256, 4 query / 2 KV heads, head_dim 128, 16 experts, top-2, Qwen3 tokenizer):
  base    the reference model;
  tuned   bit-identical except planted mechanisms: two evidence-retrieval heads
          (layer 1 head 0, layer 3 head 2) and task-routed routers (layers 1 and 2).
Each model is written in two ONNX graph forms from the same weights:
  unfused  MatMul/Softmax attention and MatMul→Softmax→TopK routers (like a torch export);
  fused    com.microsoft GroupQueryAttention and MoE ops (like onnxruntime-genai's builder).
Plus config.json, tokenizer.json, ground-truth.json (what was planted and what the analysis
must recover) and build-info.json (sha256 of every file). The build is deterministic: the same
bytes every time. See docs/reference-models.md.

Options:
  --out DIR   output folder (default: models/reference-pair)
  --json      print the result as JSON

Example:
  acc-lens models build && ls -l models/reference-pair`;

export const modelsCommand: Command = {
  name: 'models',
  summary: 'Build the reference model pair (base + tuned, unfused + fused ONNX) with its ground truth.',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('models', argv, { out: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positionals[0] !== 'build' || positionals.length > 1) {
      throw new AccLensError(
        'E_USAGE',
        `acc-lens models: expected the subcommand "build", got ${positionals.length ? `"${positionals.join(' ')}"` : 'nothing'}`,
        'Run `acc-lens models build`.',
      );
    }
    const dir = resolve(values.out ?? DEFAULT_PAIR_DIR);
    const log = (line: string) => {
      if (!values.json) process.stderr.write(`${line}\n`);
    };
    log(`building the reference pair into ${dir}`);
    const result = await buildPairFiles(dir, { onFile: (name) => log(`  wrote ${name}`) });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const total = result.files.reduce((s, f) => s + f.bytes, 0);
      process.stdout.write(
        `built ${result.files.length} files (${(total / 1e6).toFixed(0)} MB) in ${result.seconds.toFixed(1)} s → ${dir}\n`,
      );
    }
    return 0;
  },
};
