/** `RUN/manifest.json` (docs/run-store.md#manifest), as data: no I/O, so the viewer validates it too. */
import { z } from 'zod';

/** Model names become folder names: letters, digits, `.`, `_`, `-`. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const ModelEntrySchema = z.object({
  path: z.string(),
  sha256,
  /** Graph form as instrumented, e.g. `unfused` or `fused`. */
  form: z.string(),
  /** Execution provider that ran it, e.g. `cpu`, `cuda`. */
  execution_provider: z.string(),
});

export const UnitEntrySchema = z.object({
  model: z.string(),
  probe_id: z.string(),
  /** Folder of the unit's part files, relative to the run: `parts/<model>/<safe probe id>`. */
  dir: z.string(),
  status: z.enum(['done', 'skipped']),
  reason: z.string().optional(),
  n_tokens: z.number().int().nonnegative(),
  /** Part files, relative to the run folder. */
  files: z.array(z.string()),
  finished_at: z.string(),
});

export const ShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, 'shard index must be < count');

export const ManifestSchema = z.object({
  schema_version: z.string(),
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
  /** Keyed `model/probe_id` (model names contain no `/`, so the first `/` splits the key). */
  units: z.record(z.string(), UnitEntrySchema),
});

export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type UnitEntry = z.infer<typeof UnitEntrySchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
