import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import { hfToQwen3MoeConfig } from '../../models/hf/config.ts';
import { hfTensorSlices } from '../../models/hf/tensor-map.ts';
import { mapTensors, type LazyModelWeights } from '../../models/weights.ts';
import { READABLE_DTYPES, readSafetensorsHeader, SafetensorsReader, type SafetensorsEntry } from './safetensors.ts';

// This io module imports models/ (as io/reference-pair.ts does): it opens checkpoint files for the builder.

export const INDEX_FILE = 'model.safetensors.index.json';

const IndexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

/** An opened Hugging Face checkpoint folder: its config, lazily read weights and what they come from. */
export interface HfCheckpoint {
  dir: string;
  config: Qwen3MoeConfig;
  /** config.json as written (copied beside the imported model). */
  configText: string;
  weights: LazyModelWeights;
  shards: string[];
  /** Bytes of the tensors the model uses, as stored in the checkpoint. */
  sourceBytes: number;
  /** Tensor count per stored dtype (e.g. { BF16: 18867 }). */
  dtypes: Record<string, number>;
  /** Tensors present but not needed (tied lm_head, rotary buffers). */
  ignored: string[];
  close(): void;
}

const invalid = (msg: string, fix?: string): never => {
  throw new AccLensError('E_CHECKPOINT_INVALID', msg, fix);
};

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `${path}: not valid JSON (${(e as Error).message})`,
      'Re-download the file.',
    );
  }
}

/** Every tensor entry by name: through the index when present, else model.safetensors, else every *.safetensors. */
function tensorEntries(dir: string): { entries: Map<string, SafetensorsEntry>; shards: string[]; label: string } {
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const parsed = IndexSchema.safeParse(readJson(indexPath));
    if (!parsed.success)
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `${indexPath}: ${parsed.error.issues[0]?.path.join('.') || 'index'} is invalid`,
      );
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(parsed.data.weight_map))
      byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
    const entries = new Map<string, SafetensorsEntry>();
    for (const [shard, names] of byShard) {
      const path = resolve(dir, shard);
      if (!existsSync(path))
        invalid(
          `shard ${shard} not found in ${dir} (${INDEX_FILE} lists ${names.length} tensor(s) in it, e.g. ${names[0]})`,
          `Download the missing shard: huggingface-cli download REPO ${shard} --local-dir ${dir}`,
        );
      const header = readSafetensorsHeader(path);
      for (const name of names) {
        const e = header.tensors.get(name);
        if (e === undefined)
          invalid(`${path}: tensor ${name} is listed in ${INDEX_FILE} but not in this shard's header`);
        entries.set(name, e!);
      }
    }
    return { entries, shards: [...byShard.keys()], label: indexPath };
  }
  const single = join(dir, 'model.safetensors');
  const files = existsSync(single)
    ? ['model.safetensors']
    : readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort();
  if (files.length === 0)
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `${dir} holds no .safetensors weights (and no ${INDEX_FILE})`,
      'Download the safetensors release (huggingface-cli download REPO --local-dir DIR); .bin/.pt checkpoints are not read.',
    );
  const entries = new Map<string, SafetensorsEntry>();
  for (const f of files) {
    for (const [name, e] of readSafetensorsHeader(join(dir, f)).tensors) {
      if (entries.has(name)) invalid(`tensor ${name} is in both ${entries.get(name)!.file} and ${e.file}`);
      entries.set(name, e);
    }
  }
  return { entries, shards: files, label: join(dir, files[0]!) };
}

/**
 * Opens a Hugging Face Qwen3-MoE checkpoint folder without reading its weights: config.json through the
 * config schema, every shard's header (through model.safetensors.index.json when present), every tensor's
 * name, shape and dtype checked. Weights are read later, a range at a time, as F32/F16/BF16 → float32.
 * Example: `const ck = openHfCheckpoint('Qwen3-30B-A3B'); … ck.close();`
 */
export function openHfCheckpoint(dirArg: string): HfCheckpoint {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `checkpoint folder not found: ${dirArg}`,
      'Pass the folder that holds config.json and the .safetensors shards.',
    );
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath))
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `${configPath} not found`,
      'Pass a Hugging Face model folder (config.json + *.safetensors).',
    );
  const configText = readFileSync(configPath, 'utf8');
  const config = hfToQwen3MoeConfig(readJson(configPath), configPath);
  const { entries, shards, label } = tensorEntries(dir);
  const { slices, ignored } = hfTensorSlices(config, {
    shape: (name) => entries.get(name)?.shape,
    fileOf: (name) => entries.get(name)?.file ?? label,
    names: () => entries.keys(),
  });
  const reader = new SafetensorsReader();
  const dtypes: Record<string, number> = {};
  let sourceBytes = 0;
  const used = new Set<string>();
  const weights = mapTensors(slices, (s) => {
    const entry = entries.get(s.tensor)!;
    if (!used.has(s.tensor)) {
      used.add(s.tensor);
      if (!(READABLE_DTYPES as readonly string[]).includes(entry.dtype))
        invalid(
          `${entry.file}: tensor ${entry.name} is ${entry.dtype}; acc-lens reads F32, F16 and BF16 weights`,
          'Use the BF16 (or FP16/FP32) release of the model; quantized checkpoints are not supported.',
        );
      dtypes[entry.dtype] = (dtypes[entry.dtype] ?? 0) + 1;
      sourceBytes += entry.end - entry.begin;
    }
    return {
      length: s.length,
      read: (start: number, count: number) => reader.read(entry, s.offset + start, count),
    };
  });
  return { dir, config, configText, weights, shards, sourceBytes, dtypes, ignored, close: () => reader.close() };
}
