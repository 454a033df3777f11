/**
 * The one catalogue of coded errors. Codes are stable: scripts and the README's table rely on them.
 * Every error names what went wrong (file, field) and how to fix it.
 */
export const ERROR_CODES = {
  E_USAGE: {
    exit: 2,
    cause: 'A command-line flag or argument is missing or invalid.',
    fix: 'Run the command with --help.',
  },
  E_NOT_BUILT: {
    exit: 2,
    cause: 'The command exists in the design but is not implemented yet.',
    fix: 'See the README for what works today.',
  },
  E_FILE_NOT_FOUND: {
    exit: 3,
    cause: 'An input file does not exist.',
    fix: 'Check the path; build the reference pair with `acc-lens models build`.',
  },
  E_ONNX_INVALID: {
    exit: 4,
    cause: 'A file is not a readable ONNX model (truncated, empty or not protobuf).',
    fix: 'Re-export or re-download the model; `python3 -c "import onnx; onnx.checker.check_model(PATH)"` shows details.',
  },
  E_ONNX_CONTRACT: {
    exit: 4,
    cause: 'An ONNX model lacks the inputs/outputs acc-lens expects (input_ids, logits, KV cache).',
    fix: 'Export with past_key_values inputs and present outputs, or see docs/model-contract.md.',
  },
  E_EP_UNAVAILABLE: {
    exit: 5,
    cause: 'The requested execution provider cannot be loaded.',
    fix: 'Use --ep cpu, or install CUDA support with `npm run install:cuda`.',
  },
  E_CONFIG_INVALID: {
    exit: 6,
    cause: 'A model config or JSON input failed validation.',
    fix: 'Fix the named field; the message lists what was expected.',
  },
  E_TOKENIZER: {
    exit: 7,
    cause: 'The tokenizer cannot be loaded or does not match the model.',
    fix: 'Pass the tokenizer.json that belongs to the model.',
  },
  E_CONTEXT_TOO_LONG: {
    exit: 8,
    cause: 'An input is longer than the model supports.',
    fix: 'Use shorter probes or a model with more positions.',
  },
  E_JSONL_INVALID: {
    exit: 9,
    cause:
      'A JSON or JSONL input is not valid JSON (file:line:column named) or a field fails the schema (field named).',
    fix: 'Fix the named line and field, or pass --skip-bad to continue without it.',
  },
  E_FORMAT_UNKNOWN: {
    exit: 9,
    cause: 'An input file is in a format acc-lens does not recognise.',
    fix: 'Pass --format with one of the supported formats.',
  },
  E_WRITE_FAILED: {
    exit: 10,
    cause: 'Writing an output failed (disk full, read-only folder).',
    fix: 'Free space or choose another --out; finished work is kept and a rerun resumes.',
  },
  E_CHECKPOINT_INVALID: {
    exit: 11,
    cause:
      'A Hugging Face checkpoint is incomplete or inconsistent (missing shard or tensor, tensor of the wrong shape or an unknown dtype, truncated safetensors header).',
    fix: 'Re-download the named file (`huggingface-cli download REPO --local-dir DIR`); the message names the file and tensor.',
  },
  E_PORT_UNAVAILABLE: {
    exit: 12,
    cause: 'The port `acc-lens view` should listen on is taken by another program or not allowed for this user.',
    fix: 'Pass another port with --port N (--port 0 picks a free one).',
  },
  E_METRICS_MISSING: {
    exit: 13,
    cause: 'A run has no metrics (no RUN/metrics/summary.json), or not the tables a command needs.',
    fix: 'Run `acc-lens metrics RUN` first.',
  },
  E_OUTPUT_EXISTS: {
    exit: 14,
    cause: 'An output file already exists and would be replaced.',
    fix: 'Pass --force to replace it, or choose another --out folder.',
  },
  E_VIEWER_BUILD: {
    exit: 15,
    cause: 'Vite could not build the viewer from viewer/src (a source file has an error or is missing).',
    fix: 'Fix the file the message names (or restore it with git); `npm run build:viewer` shows the same error.',
  },
  E_RUN_DAMAGED: {
    exit: 16,
    cause:
      'A run file is missing, truncated, altered or does not belong to its unit (size, hash, Arrow structure or provenance differs from the manifest).',
    fix: 'Run `acc-lens verify RUN --repair`, then rerun the same `acc-lens capture` command: it redoes only the damaged units.',
  },
  E_SCHEMA_VERSION: {
    exit: 17,
    cause:
      "A run (or one of its files) has a schema_version whose major differs from this tool's, or is not a version at all.",
    fix: 'Open the run with the acc-lens version that wrote it, or recapture it with this one.',
  },
  E_RUN_LOCKED: {
    exit: 18,
    cause: 'Another command (process and host named) is writing the run folder.',
    fix: 'Wait for it to finish or stop it; if it is gone, remove the lock file the message names.',
  },
  E_INTERNAL: {
    exit: 70,
    cause: 'An unexpected internal error.',
    fix: 'Please report it with the command that produced it.',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code, a message naming the file/field, and a fix. */
export class AccLensError extends Error {
  readonly code: ErrorCode;
  readonly fix: string;

  constructor(code: ErrorCode, message: string, fix?: string) {
    super(message);
    this.name = 'AccLensError';
    this.code = code;
    this.fix = fix ?? ERROR_CODES[code].fix;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Throws a coded error; handy in expressions. */
export function fail(code: ErrorCode, message: string, fix?: string): never {
  throw new AccLensError(code, message, fix);
}
