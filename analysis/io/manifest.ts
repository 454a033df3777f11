import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { AccLensError, type ErrorCode } from '../errors.ts';
import { canonicalJson, type Provenance } from '../schema/metadata.ts';
import { zodIssueText } from '../schema/zod-issue.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';
import { pathKind } from './confined-file.ts';
import { ManifestSchema, schemaVersionProblem, type Manifest } from '../schema/manifest.ts';

export {
  FileRecordSchema,
  ManifestSchema,
  ModelEntrySchema,
  ShardSchema,
  UnitEntrySchema,
  type FileRecord,
  type Manifest,
  type ModelEntry,
  type UnitEntry,
} from '../schema/manifest.ts';

export const MANIFEST_FILE = 'manifest.json';
/** acc-lens' own files inside a run (lock, manifest backup, instrumented models); never read as data. */
export const STATE_DIR = '.acc-lens';
/** The last manifest written, without timestamps, so `verify --repair` can restore a damaged manifest. */
export const MANIFEST_BACKUP = `${STATE_DIR}/manifest.backup.json`;

export const REPAIR_FIX = 'Run `acc-lens verify RUN --repair`, then rerun the same `acc-lens capture` command.';

export const unitKey = (model: string, probeId: string): string => `${model}/${probeId}`;

/** Validates JSON against a zod schema; the error names the first failing field. */
export function parseOrFail<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  code: ErrorCode = 'E_CONFIG_INVALID',
  fix?: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AccLensError(code, `${what}: ${zodIssueText(result.error)}`, fix);
}

/** A manifest as read from disk: valid, or why not (with the error code that says so). */
export type LoadedManifest = { ok: true; manifest: Manifest } | { ok: false; code: ErrorCode; problem: string };

/** Parses manifest text: the schema version first (a clear message for another major), then every field. */
export function parseManifestText(text: string, path: string): LoadedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'E_RUN_DAMAGED', problem: `${path} is not valid JSON (${(error as Error).message})` };
  }
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'string' || version === undefined) {
    const problem = schemaVersionProblem(version);
    if (problem !== null) return { ok: false, code: 'E_SCHEMA_VERSION', problem: `${path}: ${problem}` };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) return { ok: false, code: 'E_RUN_DAMAGED', problem: `${path}: ${zodIssueText(parsed.error)}` };
  const inconsistent = unitInconsistency(parsed.data);
  if (inconsistent !== null) return { ok: false, code: 'E_RUN_DAMAGED', problem: `${path}: ${inconsistent}` };
  return { ok: true, manifest: parsed.data };
}

/** A unit whose key, model or folder disagree (readers look units up by key and read files by dir). */
function unitInconsistency(m: Manifest): string | null {
  for (const [key, u] of Object.entries(m.units)) {
    if (key !== unitKey(u.model, u.probe_id))
      return `field "units.${key}": its model/probe_id say ${unitKey(u.model, u.probe_id)}`;
    if (m.models[u.model] === undefined)
      return `field "units.${key}.model": "${u.model}" is not one of the run's models`;
    if (!u.dir.startsWith(`parts/${u.model}/`) || u.dir.split('/').length !== 3)
      return `field "units.${key}.dir": "${u.dir}" is not parts/${u.model}/<probe folder>`;
  }
  return null;
}

/** Reads `RUN/manifest.json` without throwing for its content (verify reports it). */
export async function loadManifest(runDir: string): Promise<LoadedManifest | null> {
  const path = join(runDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return { ok: false, code: 'E_RUN_DAMAGED', problem: `${path} cannot be read (${code ?? String(error)})` };
  }
  return parseManifestText(text, path);
}

const NOT_A_RUN_FIX = 'Pass a folder written by `acc-lens capture`.';

/** Checks that `runDir` is a folder before anything reads it: a file or a missing path is a coded error. */
export async function assertRunFolder(runDir: string): Promise<void> {
  const kind = await pathKind(runDir);
  if (kind === 'missing') throw new AccLensError('E_FILE_NOT_FOUND', `${runDir} does not exist`, NOT_A_RUN_FIX);
  if (kind !== 'folder')
    throw new AccLensError(
      'E_USAGE',
      `${runDir} is a file, not a run folder`,
      `${NOT_A_RUN_FIX} (its folder, not a file in it)`,
    );
}

/** Reads and validates `RUN/manifest.json`: coded errors for a missing, damaged or other-major manifest. */
export async function readManifest(runDir: string): Promise<Manifest> {
  await assertRunFolder(runDir);
  const loaded = await loadManifest(runDir);
  if (loaded === null) {
    const backup = await pathKind(join(runDir, MANIFEST_BACKUP));
    if (backup === 'file')
      throw new AccLensError('E_RUN_DAMAGED', `${runDir}: ${MANIFEST_FILE} is missing (a backup is there)`, REPAIR_FIX);
    throw new AccLensError('E_FILE_NOT_FOUND', `${runDir} is not a run: ${MANIFEST_FILE} is missing`, NOT_A_RUN_FIX);
  }
  if (loaded.ok) return loaded.manifest;
  throw new AccLensError(
    loaded.code,
    loaded.problem,
    loaded.code === 'E_RUN_DAMAGED'
      ? `${REPAIR_FIX} (verify restores the manifest from ${MANIFEST_BACKUP} when it can)`
      : undefined,
  );
}

const byKey = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Manifest JSON with fields in schema order and units in key order, so equal runs give equal bytes
 * whatever order units finished in and whether the run was resumed.
 */
export function serializeManifest(manifest: Manifest): string {
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(ManifestSchema.shape) as (keyof Manifest)[])
    if (manifest[key] !== undefined) ordered[key] = key === 'units' ? byKey(manifest.units) : manifest[key];
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The manifest without its timestamps: what the backup keeps, so equal runs have equal backups. */
export function withoutTimestamps(manifest: Manifest): Manifest {
  const units = Object.fromEntries(Object.entries(manifest.units).map(([k, u]) => [k, { ...u, finished_at: '' }]));
  return { ...manifest, created_at: '', units };
}

/** Writes `RUN/manifest.json` atomically; with `backup`, also `RUN/.acc-lens/manifest.backup.json`. */
export async function writeManifest(runDir: string, manifest: Manifest, o: { backup?: boolean } = {}): Promise<void> {
  await writeFileAtomic(join(runDir, MANIFEST_FILE), serializeManifest(manifest));
  if (o.backup) await writeManifestBackup(runDir, manifest);
}

export async function writeManifestBackup(runDir: string, manifest: Manifest): Promise<void> {
  await ensureDir(join(runDir, STATE_DIR));
  await writeFileAtomic(join(runDir, MANIFEST_BACKUP), serializeManifest(withoutTimestamps(manifest)));
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
 * A plan difference names the first differing plan key (`plan.rows.k`) with both values.
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
  return firstDifference('plan', a.plan, b.plan);
}

/** The first path at which two JSON values differ (keys in sorted order), or null when equal. */
function firstDifference(path: string, a: unknown, b: unknown): [string, string, string] | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(`${path}.${key}`, a[key], b[key]);
      if (d !== null) return d;
    }
  }
  const show = (v: unknown) => (v === undefined ? '(absent)' : canonicalJson(v));
  return [path, show(a), show(b)];
}
