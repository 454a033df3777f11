import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TOOL_VERSION } from '../version.ts';
import { defaultTokenizerDir } from '../tokenize/load.ts';
import { modelFileName, PAIR_REVISION, referencePairFiles, type PairModel } from '../../models/reference/pair-files.ts';
import type { FloatType, GraphForm } from '../../models/qwen3-moe/build-graph.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';

// This io module imports models/ (against STYLE's import direction) because writing the pair is
// file I/O over the builder's in-memory files; the builder itself stays free of the filesystem.

/** Where `acc-lens models build` writes the pair unless told otherwise (`--dtype fp16`: its own folder). */
export const DEFAULT_PAIR_DIR = resolve('models', 'reference-pair');
export const DEFAULT_FP16_PAIR_DIR = resolve('models', 'reference-pair-fp16');

export interface PairBuildResult {
  dir: string;
  files: { name: string; bytes: number }[];
  seconds: number;
  reused: boolean;
}

/** The fields of build-info.json (models/reference/pair-files.ts) that say whether a pair is complete. */
const BuildInfoSchema = z
  .object({ tool_version: z.string(), revision: z.number().optional(), files: z.record(z.string(), z.unknown()) })
  .loose();

/** Whether `dir` holds a complete pair built by this tool version (build-info.json written last). */
export function pairIsBuilt(dir: string): boolean {
  const info = join(dir, 'build-info.json');
  if (!existsSync(info)) return false;
  try {
    // An unreadable or malformed build-info.json means "not built": the pair is rebuilt, not refused.
    const parsed = BuildInfoSchema.safeParse(JSON.parse(readFileSync(info, 'utf8')));
    return (
      parsed.success &&
      parsed.data.tool_version === TOOL_VERSION &&
      // A pair of an earlier planted construction is rebuilt (models/reference/pair-files.ts, PAIR_REVISION).
      (parsed.data.revision ?? 1) === PAIR_REVISION &&
      Object.keys(parsed.data.files).every((name) => existsSync(join(dir, name)))
    );
  } catch {
    return false;
  }
}

/**
 * Builds the reference pair into `dir` (atomic writes; build-info.json last, so a killed build
 * is rebuilt). With `reuse`, a complete pair of this tool version is kept as it is.
 */
export async function buildPairFiles(
  dir = DEFAULT_PAIR_DIR,
  options: { reuse?: boolean; onFile?: (name: string) => void; dtype?: FloatType } = {},
): Promise<PairBuildResult> {
  const start = performance.now();
  if (options.reuse && pairIsBuilt(dir)) {
    return { dir, files: [], seconds: (performance.now() - start) / 1000, reused: true };
  }
  const tokDir = defaultTokenizerDir();
  const tokenizer = {
    json: readFileSync(join(tokDir, 'tokenizer.json'), 'utf8'),
    config: readFileSync(join(tokDir, 'tokenizer_config.json'), 'utf8'),
  };
  await ensureDir(dir);
  const written: { name: string; bytes: number }[] = [];
  for (const file of referencePairFiles(tokenizer, { dtype: options.dtype ?? 'float32' })) {
    await writeFileAtomic(join(dir, file.name), file.bytes);
    written.push({ name: file.name, bytes: file.bytes.length });
    options.onFile?.(file.name);
  }
  return { dir, files: written, seconds: (performance.now() - start) / 1000, reused: false };
}

/** Path of one model of a built pair. */
export const pairModelPath = (dir: string, model: PairModel, form: GraphForm): string =>
  join(dir, modelFileName(model, form));
