/** `RUN/manifest.json` (docs/run-store.md#manifest), as data: no I/O, so the viewer validates it too. */
import { z } from 'zod';
import { SCHEMA_VERSION } from './metadata.ts';

/** Model names become folder names: letters, digits, `.`, `_`, `-`. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

/** `MAJOR.MINOR.PATCH`, as `SCHEMA_VERSION` is written. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/**
 * Whether `path` stays inside the run folder: relative, `/`-separated, no `.`/`..` or empty segments,
 * no backslash, NUL or drive letter. A manifest naming `../../x` is refused before anything is read.
 */
export function isRunRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /[\\\0]/.test(path) || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

const runPath = z.string().refine(isRunRelativePath, 'expected a path inside the run folder (relative, no "..")');

/** What the manifest records of one finished file: its size, its sha256 and (Arrow files) its row count. */
export const FileRecordSchema = z.object({
  bytes: z.number().int().nonnegative(),
  sha256,
  rows: z.number().int().nonnegative().optional(),
});

export const ModelEntrySchema = z.object({
  path: z.string(),
  sha256,
  /** Graph form as instrumented, e.g. `unfused` or `fused`. */
  form: z.string(),
  /** Execution provider that ran it, e.g. `cpu`, `cuda`. */
  execution_provider: z.string(),
});

export const UnitEntrySchema = z
  .object({
    model: z.string(),
    probe_id: z.string(),
    /** Folder of the unit's part files, relative to the run: `parts/<model>/<safe probe id>`. */
    dir: runPath,
    status: z.enum(['done', 'skipped']),
    reason: z.string().optional(),
    n_tokens: z.number().int().nonnegative(),
    /** Part files, relative to the run folder. */
    files: z.array(runPath),
    /** Since 1.2.0: size, sha256 and rows of every file in `files` (older runs have none). */
    hashes: z.record(z.string(), FileRecordSchema).optional(),
    finished_at: z.string(),
  })
  .superRefine((unit, ctx) => {
    for (const [i, file] of unit.files.entries())
      if (!file.startsWith(`${unit.dir}/`))
        ctx.addIssue({
          code: 'custom',
          path: ['files', i],
          message: `expected a file inside the unit's dir ${unit.dir}`,
        });
    for (const file of Object.keys(unit.hashes ?? {}))
      if (!unit.files.includes(file))
        ctx.addIssue({ code: 'custom', path: ['hashes', file], message: 'a hash of a file the unit does not list' });
  });

export const ShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, 'shard index must be < count');

export const ManifestSchema = z.object({
  schema_version: z.string().regex(SEMVER, 'expected a version MAJOR.MINOR.PATCH, e.g. 1.2.0'),
  tool_version: z.string(),
  created_at: z.string(),
  models: z.record(
    z.string().regex(MODEL_NAME, 'model names: letters, digits, . _ - (they become folder names)'),
    ModelEntrySchema,
  ),
  tokenizer: z.object({ id: z.string(), sha256 }),
  probe_set: z.object({ path: z.string(), sha256, n_probes: z.number().int().nonnegative() }),
  plan: z.record(z.string(), z.unknown()),
  shard: ShardSchema.nullable(),
  /** Since 1.2.0: size, sha256 and rows of the run-level files (`probes.arrow`, `segments.arrow`, `tokens.arrow`). */
  run_files: z.record(z.string(), FileRecordSchema).optional(),
  /** Keyed `model/probe_id` (model names contain no `/`, so the first `/` splits the key). */
  units: z.record(z.string(), UnitEntrySchema),
});

export type FileRecord = z.infer<typeof FileRecordSchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type UnitEntry = z.infer<typeof UnitEntrySchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

/** The major of a `MAJOR.MINOR.PATCH` version. */
export const schemaMajor = (version: string): string => version.split('.')[0] ?? version;

/**
 * Why a run (or file) of `version` cannot be read by this tool, or null when it can: the major must
 * match `SCHEMA_VERSION`'s (minor versions only add fields, tables and columns).
 * Example: `schemaVersionProblem('2.0.0')` → "schema_version 2.0.0 … this acc-lens reads 1.x".
 */
export function schemaVersionProblem(version: string | undefined, current = SCHEMA_VERSION): string | null {
  if (version === undefined) return 'has no schema_version';
  if (!SEMVER.test(version)) return `schema_version "${version}" is not a version (expected MAJOR.MINOR.PATCH)`;
  if (schemaMajor(version) !== schemaMajor(current))
    return `schema_version ${version}, but this acc-lens reads ${schemaMajor(current)}.x (${current})`;
  return null;
}
