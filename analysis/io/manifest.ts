import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { canonicalJson, type Provenance } from '../schema/metadata.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { ManifestSchema, type Manifest } from '../schema/manifest.ts';

export {
  ManifestSchema,
  ModelEntrySchema,
  ShardSchema,
  UnitEntrySchema,
  type Manifest,
  type ModelEntry,
  type UnitEntry,
} from '../schema/manifest.ts';

export const MANIFEST_FILE = 'manifest.json';

export const unitKey = (model: string, probeId: string): string => `${model}/${probeId}`;

/** Validates JSON against a zod schema; the error names the first failing field. */
export function parseOrFail<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || '(root)';
  throw new AccLensError('E_CONFIG_INVALID', `${what}: field "${field}": ${issue?.message ?? 'invalid'}`);
}

/** Reads and validates `RUN/manifest.json`. */
export async function readManifest(runDir: string): Promise<Manifest> {
  const path = join(runDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AccLensError(
        'E_FILE_NOT_FOUND',
        `${runDir} is not a run: ${MANIFEST_FILE} is missing`,
        'Pass a folder written by `acc-lens capture`.',
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AccLensError('E_CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseOrFail(ManifestSchema, json, path);
}

/** Manifest JSON with units in key order, so equal runs give equal manifests whatever order units finished in. */
export function serializeManifest(manifest: Manifest): string {
  const units = Object.fromEntries(Object.entries(manifest.units).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ ...manifest, units }, null, 2)}\n`;
}

export async function writeManifest(runDir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(join(runDir, MANIFEST_FILE), serializeManifest(manifest));
}

/** Provenance of a run's files (schema metadata), for all its models or a subset. */
export function manifestProvenance(
  manifest: Pick<Manifest, 'models' | 'tokenizer' | 'probe_set' | 'plan'>,
  models?: readonly string[],
): Provenance {
  const names = models ?? Object.keys(manifest.models).sort();
  return {
    models: Object.fromEntries(names.map((m) => [m, manifest.models[m]?.sha256 ?? ''])),
    tokenizer: manifest.tokenizer,
    probeSetHash: manifest.probe_set.sha256,
    plan: manifest.plan,
  };
}

type Identity = Pick<Manifest, 'schema_version' | 'models' | 'tokenizer' | 'probe_set' | 'plan'>;

/**
 * The first field in which two runs' inputs differ, as `[field, a, b]`, or null when they match.
 * Paths may differ (a moved file); content hashes, forms, the plan and the major schema version may not.
 */
export function identityMismatch(a: Identity, b: Identity): [string, string, string] | null {
  const major = (v: string) => v.split('.')[0] ?? v;
  if (major(a.schema_version) !== major(b.schema_version))
    return ['schema_version', a.schema_version, b.schema_version];
  const names = (m: Identity['models']) => Object.keys(m).sort().join(',');
  if (names(a.models) !== names(b.models)) return ['models', names(a.models), names(b.models)];
  for (const [name, model] of Object.entries(a.models)) {
    const other = b.models[name]!;
    if (model.sha256 !== other.sha256) return [`models.${name}.sha256`, model.sha256, other.sha256];
    if (model.form !== other.form) return [`models.${name}.form`, model.form, other.form];
  }
  if (a.tokenizer.sha256 !== b.tokenizer.sha256) return ['tokenizer.sha256', a.tokenizer.sha256, b.tokenizer.sha256];
  if (a.probe_set.sha256 !== b.probe_set.sha256) return ['probe_set.sha256', a.probe_set.sha256, b.probe_set.sha256];
  if (canonicalJson(a.plan) !== canonicalJson(b.plan)) return ['plan', canonicalJson(a.plan), canonicalJson(b.plan)];
  return null;
}
