import { AccLensError } from '../../errors.ts';
import { importHfCheckpoint } from '../../io/model-import.ts';
import type { GraphForm } from '../../../models/qwen3-moe/build-graph.ts';
import { bytesReporter } from '../byte-progress.ts';
import { isTerminal } from '../command.ts';
import { parseDtype, type ModelsFlags } from './models-flags.ts';

function parseForms(value: string | undefined): GraphForm[] {
  if (value === undefined || value === 'both') return ['unfused', 'fused'];
  if (value === 'fused' || value === 'unfused') return [value];
  throw new AccLensError(
    'E_USAGE',
    `--form must be fused, unfused or both, got "${value}"`,
    'Run `acc-lens models --help`.',
  );
}

/** `acc-lens models import HF_DIR --out DIR`: streams the checkpoint into ONNX with external data. */
export async function importCommand(hfDir: string, values: ModelsFlags): Promise<number> {
  if (values.out === undefined)
    throw new AccLensError(
      'E_USAGE',
      'acc-lens models import: --out DIR is required',
      'Example: acc-lens models import ckpt/qwen3-30b-a3b --out models/qwen3-30b-a3b',
    );
  const forms = parseForms(values.form),
    dtype = parseDtype(values.dtype);
  const say = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const report = bytesReporter(isTerminal() && !values.json, (s) => process.stderr.write(s));
  say(`importing ${hfDir} → ${values.out} (${forms.join(' + ')}, ${dtype})`);
  const result = await importHfCheckpoint(hfDir, values.out, {
    forms,
    dtype,
    onProgress: values.json ? undefined : report,
    onNote: say,
  });
  report.end();
  const { info } = result;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ out: result.out, written_bytes: result.writtenBytes, ...info }, null, 2)}\n`,
    );
    return 0;
  }
  const rate = info.seconds > 0 ? result.writtenBytes / info.seconds / 1e9 : 0;
  process.stdout.write(
    `imported ${(info.source.bytes / 1e9).toFixed(2)} GB of ${Object.keys(info.source.dtypes).join('/')} weights → ${(result.writtenBytes / 1e9).toFixed(2)} GB ${dtype} in ${info.seconds.toFixed(1)} s (${rate.toFixed(2)} GB/s) → ${result.out}\n` +
      `next: acc-lens models verify ${values.out}\n`,
  );
  return 0;
}
