import { AccLensError } from '../errors.ts';
import { SCHEMA_VERSION } from '../schema/metadata.ts';
import type { Manifest } from '../schema/manifest.ts';
import { identityMismatch, loadManifest, REPAIR_FIX } from './manifest.ts';

/** What a capture knows about its inputs before hashing and instrumenting its models. */
export interface ResumeInputs {
  models: readonly string[];
  tokenizer: Manifest['tokenizer'];
  probe_set: Manifest['probe_set'];
  plan: Manifest['plan'];
  shard: Manifest['shard'];
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** The error for resuming a run made from other inputs, naming the first differing field. */
export function resumeMismatchError(runDir: string, field: string, was: string, now: string): AccLensError {
  return new AccLensError(
    'E_CONFIG_INVALID',
    `cannot resume ${runDir}: ${field} differs (run has ${clip(was)}, now ${clip(now)})`,
    'Resume with the same models, tokenizer, probe set, plan and shard, or write to a new --out folder.',
  );
}

/** The error for a run whose manifest cannot be resumed (damaged, or another schema major). */
export function unresumableError(loaded: { code: AccLensError['code']; problem: string }): AccLensError {
  return new AccLensError(
    loaded.code,
    `cannot resume: ${loaded.problem}`,
    loaded.code === 'E_RUN_DAMAGED' ? REPAIR_FIX : 'Write to a new --out folder.',
  );
}

/**
 * Refuses, before any costly work (hashing and instrumenting models), a capture into a folder whose
 * run cannot be resumed with these inputs: a damaged or other-major manifest, other model names,
 * tokenizer, probe set, plan or shard. Model hashes and forms are checked later, by RunWriter.open.
 * A folder without a manifest passes. Example: `await assertResumable('runs/x', inputs)`.
 */
export async function assertResumable(runDir: string, inputs: ResumeInputs): Promise<void> {
  const loaded = await loadManifest(runDir);
  if (loaded === null) return;
  if (!loaded.ok) throw unresumableError(loaded);
  const run = loaded.manifest;
  const names = [...inputs.models].sort().join(',');
  const known = Object.keys(run.models).sort().join(',');
  if (names !== known) throw resumeMismatchError(runDir, 'models', known, names);
  // The run's own model entries stand in for the ones not known yet, so only the other fields can differ.
  const mismatch = identityMismatch(run, { ...inputs, models: run.models, schema_version: SCHEMA_VERSION });
  if (mismatch !== null) throw resumeMismatchError(runDir, ...mismatch);
  const [was, now] = [JSON.stringify(run.shard), JSON.stringify(inputs.shard)];
  if (was !== now) throw resumeMismatchError(runDir, 'shard', was, now);
}
