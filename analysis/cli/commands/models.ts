import { resolve } from 'node:path';
import { AccLensError } from '../../errors.ts';
import { buildPairFiles, DEFAULT_FP16_PAIR_DIR, DEFAULT_PAIR_DIR } from '../../io/reference-pair.ts';
import { parseFlags, type Command } from '../command.ts';
import { FLAGS, parseDtype, type ModelsFlags } from './models-flags.ts';
import { importCommand } from './models-import.ts';
import { verifyCommand } from './models-verify.ts';

const HELP = `Usage: acc-lens models build [--out DIR] [--dtype fp32|fp16] [--json]
       acc-lens models import HF_DIR --out DIR [--form fused|unfused|both] [--dtype fp32|fp16] [--json]
       acc-lens models verify DIR [--hf HF_DIR] [--layers N] [--ep cpu|cuda] [--json]

build   Builds the embedded reference model pair — no download, no GPU. Two small Qwen3-MoE decoders
        (4 layers, hidden 256, 4 query / 2 KV heads, head_dim 128, 16 experts, top-2, Qwen3 tokenizer):
          base    the reference model;
          tuned   bit-identical except planted mechanisms: two evidence-retrieval heads
                  (layer 1 head 0, layer 3 head 2), task-routed routers and copy experts
                  (layers 1 and 2), and a GraphWalks graph head (layer 3 head 0).
        Each model in two ONNX graph forms from the same weights:
          unfused  MatMul/Softmax attention and MatMul→Softmax→TopK routers (like a torch export);
          fused    com.microsoft GroupQueryAttention and MoE ops (like onnxruntime-genai's builder).
        Plus config.json, tokenizer.json, ground-truth.json and build-info.json (sha256 of every file).
        Deterministic: the same bytes every time. --dtype fp16 writes float16 graphs of the same
        weights (default folder models/reference-pair-fp16). See docs/reference-models.md.

import  Turns a Hugging Face Qwen3-MoE checkpoint folder (config.json + *.safetensors, sharded with
        model.safetensors.index.json or not; F32/F16/BF16) into capture-ready ONNX with external data:
        DIR/model.{fused,unfused}.onnx + .onnx.data, config.json, tokenizer files, import-info.json.
        Streams (memory stays near one expert's weights), shows bytes, GB/s and ETA, and is atomic:
        it writes DIR.partial-PID and renames it when done. See docs/bring-your-own-model.md.

verify  Runs a short fixed prompt through every form in DIR and the TypeScript oracle (on the first
        --layers layers of the source checkpoint; all layers for checkpoints up to 2 GB) and reports the
        max logit difference and, per layer, tokens whose top-k experts flip. Exit 1 on any flip or a
        logit difference over the tolerance (1e-3 fp32, 5e-2 fp16).

Options:
  --out DIR              output folder (build default: models/reference-pair)
  --dtype fp32|fp16      float type of the written graphs (default fp32; BF16 weights widen to fp32 exactly)
  --form fused|unfused|both   graph forms to import (default both)
  --hf HF_DIR            verify: the checkpoint the oracle reads (default: the one import-info.json names)
  --layers N             verify: layers the oracle computes
  --ep cpu|cuda          verify: execution provider (default cpu)
  --json                 print the result as JSON

Examples:
  acc-lens models build && ls -l models/reference-pair
  huggingface-cli download Qwen/Qwen3-30B-A3B --local-dir ckpt/qwen3-30b-a3b
  acc-lens models import ckpt/qwen3-30b-a3b --out models/qwen3-30b-a3b --form fused --dtype fp16
  acc-lens models verify models/qwen3-30b-a3b --layers 2`;

async function build(values: ModelsFlags): Promise<number> {
  const dtype = parseDtype(values.dtype);
  const dir = resolve(values.out ?? (dtype === 'float16' ? DEFAULT_FP16_PAIR_DIR : DEFAULT_PAIR_DIR));
  const log = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  log(`building the reference pair (${dtype}) into ${dir}`);
  const result = await buildPairFiles(dir, { dtype, onFile: (name) => log(`  wrote ${name}`) });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const total = result.files.reduce((s, f) => s + f.bytes, 0);
    process.stdout.write(
      `built ${result.files.length} files (${(total / 1e6).toFixed(0)} MB) in ${result.seconds.toFixed(1)} s → ${dir}\n`,
    );
  }
  return 0;
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'Build the reference pair; import a Hugging Face Qwen3-MoE checkpoint to ONNX; verify an import.',
  help: HELP,
  async run(argv) {
    // --help is handled by parseFlags / runCommand, as for every command.
    const { values, positionals } = parseFlags('models', argv, FLAGS);
    const [sub, ...args] = positionals;
    if (sub === 'build' && args.length === 0) return build(values);
    if (sub === 'import' && args.length === 1) return importCommand(args[0]!, values);
    if (sub === 'verify' && args.length === 1) return verifyCommand(args[0]!, values);
    throw new AccLensError(
      'E_USAGE',
      `acc-lens models: expected "build", "import HF_DIR" or "verify DIR", got ${positionals.length ? `"${positionals.join(' ')}"` : 'nothing'}`,
      'Run `acc-lens models --help`.',
    );
  },
};
