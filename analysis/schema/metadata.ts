import { TOOL_VERSION } from '../version.ts';

/** Version of the run-store contract. Bump minor for added columns/tables, major for changed meaning. */
export const SCHEMA_VERSION = '1.2.0';

/** Keys of the Arrow schema metadata that every run-store file carries. */
export const META = {
  schemaVersion: 'acc_lens.schema_version',
  toolVersion: 'acc_lens.tool_version',
  /** JSON object model name → sha256 of the ONNX file, for the models whose rows the file may hold. */
  modelSha256: 'acc_lens.model_sha256',
  /** Tokenizer id (e.g. `Qwen/Qwen3-30B-A3B`). */
  tokenizer: 'acc_lens.tokenizer',
  tokenizerSha256: 'acc_lens.tokenizer_sha256',
  /** sha256 of the probe-set file. */
  probeSetHash: 'acc_lens.probe_set_hash',
  /** The capture plan as canonical JSON (sorted keys). */
  plan: 'acc_lens.plan',
  /** Table name, so a file renamed by a user still says what it holds. */
  table: 'acc_lens.table',
  /** Layered part files: JSON array, the layer held by each record batch, in batch order. */
  batchLayers: 'acc_lens.batch_layers',
  /** Probe-batched run tables (`tokens`): JSON array, the probe id held by each record batch, in batch order. */
  batchProbes: 'acc_lens.batch_probes',
} as const;

/** Where a file's rows came from; identical for every file of a run except `models`. */
export interface Provenance {
  models: Readonly<Record<string, string>>;
  tokenizer: { id: string; sha256: string };
  probeSetHash: string;
  plan: unknown;
}

/** JSON with object keys sorted at every level, so equal values always give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The schema metadata of one file of `table`. Example: `provenanceMetadata(p, 'routing').get(META.schemaVersion)`. */
export function provenanceMetadata(p: Provenance, table: string): Map<string, string> {
  return new Map([
    [META.schemaVersion, SCHEMA_VERSION],
    [META.toolVersion, TOOL_VERSION],
    [META.modelSha256, canonicalJson(p.models)],
    [META.tokenizer, p.tokenizer.id],
    [META.tokenizerSha256, p.tokenizer.sha256],
    [META.probeSetHash, p.probeSetHash],
    [META.plan, canonicalJson(p.plan)],
    [META.table, table],
  ]);
}
