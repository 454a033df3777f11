import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { Float16OverflowError, type FloatType } from '../onnx/graph-builder.ts';
import { TOOL_VERSION } from '../version.ts';
import { graphEncodeOptions, qwen3MoeGraph, type GraphForm } from '../../models/qwen3-moe/build-graph.ts';
import { ensureDir, writeFailure } from './atomic-write.ts';
import { openHfCheckpoint, type HfCheckpoint } from './hf-checkpoint.ts';
import { writeOnnxWithExternalData } from './onnx-external.ts';

/** Written last into an imported folder: its presence (with every file it lists) marks a finished import. */
export const IMPORT_INFO = 'import-info.json';
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;
export const importedModelFile = (form: GraphForm): string => `model.${form}.onnx`;

const ImportInfoSchema = z.object({
  tool_version: z.string(),
  source: z.object({
    dir: z.string(),
    shards: z.array(z.string()),
    dtypes: z.record(z.string(), z.number()),
    bytes: z.number(),
  }),
  dtype: z.enum(['float32', 'float16']),
  forms: z.array(z.enum(['unfused', 'fused'])),
  files: z.record(z.string(), z.object({ bytes: z.number(), sha256: z.string() })),
  seconds: z.number(),
});
export type ImportInfo = z.infer<typeof ImportInfoSchema>;

export interface ImportProgress {
  file: string;
  written: number; // bytes of weights written so far (all forms)
  total: number;
  seconds: number;
}

export interface ImportOptions {
  forms: GraphForm[];
  dtype: FloatType;
  onProgress?: (p: ImportProgress) => void;
  /** One line per notable fact (ignored tensors, missing tokenizer). */
  onNote?: (line: string) => void;
}

export interface ImportResult {
  out: string;
  info: ImportInfo;
  writtenBytes: number;
}

const PARTIAL = /\.partial-(\d+)$/;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes `OUT.partial-PID` folders that a killed import left (their process is gone). */
function removeStalePartials(out: string): void {
  const parent = dirname(out);
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    const m = PARTIAL.exec(name);
    if (m && name.startsWith(`${basename(out)}.partial-`) && !alive(Number(m[1])))
      rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Whether `dir` is a finished import: import-info.json is valid and every file it lists is there at its size. */
export function readImportInfo(dir: string): ImportInfo | null {
  const path = join(dir, IMPORT_INFO);
  if (!existsSync(path)) return null;
  let info: ImportInfo;
  try {
    info = ImportInfoSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return null;
  }
  const complete = Object.entries(info.files).every(
    ([f, { bytes }]) => existsSync(join(dir, f)) && statSync(join(dir, f)).size === bytes,
  );
  return complete ? info : null;
}

function buildOrRefuse(ck: HfCheckpoint, form: GraphForm, dtype: FloatType) {
  try {
    return qwen3MoeGraph(ck.weights, { form, dtype });
  } catch (e) {
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `${join(ck.dir, 'config.json')}: ${(e as Error).message}`,
      'Import the other form (--form), or export the model yourself (docs/model-contract.md).',
    );
  }
}

const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Turns a Hugging Face Qwen3-MoE checkpoint folder into capture-ready ONNX: `model.{form}.onnx` +
 * `.onnx.data` per form, the checkpoint's config.json and tokenizer files, and import-info.json. Streams:
 * weights go from the shards to the data files one piece at a time. Atomic: everything is written into
 * `OUT.partial-PID` and renamed to OUT at the end, so a killed or failed import leaves nothing that looks
 * finished (a failed one removes its partial folder; a killed one's is removed by the next import).
 * Example: `await importHfCheckpoint('Qwen3-30B-A3B', 'models/qwen3-30b', { forms: ['fused'], dtype: 'float16' })`.
 */
export async function importHfCheckpoint(hfDir: string, outArg: string, o: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  const out = resolve(outArg);
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0))
    throw new AccLensError(
      'E_USAGE',
      `${outArg} already exists and is not empty`,
      'Choose another --out, or remove the folder first.',
    );
  removeStalePartials(out);
  const ck = openHfCheckpoint(hfDir);
  const partial = `${out}.partial-${process.pid}`;
  try {
    // Graphs first (names and shapes only, no weights read): a shape a form cannot take fails before any file exists.
    const graphs = o.forms.map((form) => ({ form, g: buildOrRefuse(ck, form, o.dtype) }));
    await ensureDir(partial);
    const total = graphs.reduce((n, x) => n + x.g.weightBytes(), 0);
    const files: ImportInfo['files'] = {};
    let before = 0;
    for (const { form, g } of graphs) {
      const name = importedModelFile(form);
      const report = (written: number) =>
        o.onProgress?.({ file: name, written: before + written, total, seconds: (performance.now() - started) / 1000 });
      const w = writeOnnxWithExternalData(
        join(partial, name),
        g,
        (sha) => graphEncodeOptions(ck.weights, { form, dtype: o.dtype }, { 'acc_lens.weights_sha256': sha }),
        report,
      );
      before += w.dataBytes;
      files[name] = { bytes: w.modelBytes, sha256: w.modelSha256 };
      files[`${name}.data`] = { bytes: w.dataBytes, sha256: w.dataSha256 };
    }
    writeFileSync(join(partial, 'config.json'), ck.configText);
    files['config.json'] = {
      bytes: statSync(join(partial, 'config.json')).size,
      sha256: sha256File(join(partial, 'config.json')),
    };
    for (const f of TOKENIZER_FILES) {
      const src = join(ck.dir, f);
      if (!existsSync(src)) {
        o.onNote?.(`${src} not found: pass capture a --tokenizer folder that belongs to this model`);
        continue;
      }
      copyFileSync(src, join(partial, f));
      files[f] = { bytes: statSync(src).size, sha256: sha256File(src) };
    }
    if (ck.ignored.length > 0)
      o.onNote?.(`ignored ${ck.ignored.length} tensor(s) the model does not use: ${ck.ignored.slice(0, 3).join(', ')}`);
    const info: ImportInfo = {
      tool_version: TOOL_VERSION,
      source: { dir: ck.dir, shards: ck.shards, dtypes: ck.dtypes, bytes: ck.sourceBytes },
      dtype: o.dtype,
      forms: o.forms,
      files,
      seconds: +((performance.now() - started) / 1000).toFixed(2),
    };
    writeFileSync(join(partial, IMPORT_INFO), `${JSON.stringify(info, null, 2)}\n`);
    if (existsSync(out)) rmdirSync(out); // checked empty above; rmdir refuses anything else
    renameSync(partial, out);
    return { out, info, writtenBytes: before };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof Float16OverflowError)
      throw new AccLensError('E_USAGE', `${hfDir}: ${error.message}`, 'Import with --dtype fp32.');
    throw writeFailure(error, partial);
  } finally {
    ck.close();
  }
}
