import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { readJsonIfExists } from '../io/read-json.ts';
import { isFile, removeTree } from '../io/local-files.ts';
import { STATE_DIR } from '../io/manifest.ts';
import { canonicalJson } from '../schema/metadata.ts';
import { QUERY_SETS } from '../schema/query-sets.ts';
import { TOOL_VERSION } from '../version.ts';
import { INSTRUMENTED_FILE, instrumentForCapture, type InstrumentedModel } from './instrument.ts';
import { planIdentity, type CapturePlan } from './plan.ts';

/** Instrumented copies live in the run folder, so a kill leaves nothing in $TMPDIR and a resume reuses them. */
export const INSTRUMENTED_DIR = `${STATE_DIR}/instrumented`;
const MARKER = 'instrumented.json';

const layers = z.array(z.number().int().nonnegative());
const MarkerSchema = z.object({
  key: z.string(),
  form: z.string(),
  externalData: z.array(z.string()),
  layout: z.object({
    attentionLayers: layers,
    routingLayers: layers,
    routerProbLayers: layers,
    distanceSets: z.array(z.enum(QUERY_SETS)),
    narrowedHead: z.boolean().optional(),
  }),
  shape: z.object({
    cache: z.boolean().optional(),
    layers: z.number().int(),
    queryHeads: z.number().int(),
    kvHeads: z.number().int(),
    headDim: z.number().int(),
    experts: z.number().int(),
    topK: z.number().int(),
    embeddingRows: z.number().int().nullable(),
    fileBytes: z.number().int(),
  }),
});

/** What the instrumented copy depends on: the model's bytes, the plan and the tool that instruments. */
const cacheKey = (modelSha256: string, plan: CapturePlan): string =>
  createHash('sha256')
    .update(canonicalJson({ model: modelSha256, plan: planIdentity(plan), tool: TOOL_VERSION }))
    .digest('hex');

/**
 * The instrumented copy of a model for a capture into `runDir`: reused from RUN/.acc-lens/instrumented/
 * when an earlier (killed or failed) attempt made it for the same model bytes, plan and tool version,
 * else written there. `removeInstrumented(runDir)` deletes them once the capture has finished.
 * Example: `await instrumentInRun('runs/x', 'base', 'base.onnx', sha, plan)`.
 */
export async function instrumentInRun(
  runDir: string,
  name: string,
  modelPath: string,
  modelSha256: string,
  plan: CapturePlan,
): Promise<InstrumentedModel & { reused: boolean }> {
  const key = cacheKey(modelSha256, plan);
  const dir = join(runDir, INSTRUMENTED_DIR, `${name}-${key.slice(0, 16)}`);
  const marker = await readJsonIfExists(join(dir, MARKER), MarkerSchema).catch(() => null);
  const path = join(dir, INSTRUMENTED_FILE);
  if (marker !== null && marker.key === key && isFile(path))
    return {
      path,
      layout: marker.layout,
      shape: marker.shape,
      form: marker.form,
      externalData: marker.externalData,
      dispose: () => undefined,
      reused: true,
    };
  removeTree(dir);
  const made = instrumentForCapture(modelPath, plan, { outDir: dir });
  const record = { key, form: made.form, externalData: made.externalData, layout: made.layout, shape: made.shape };
  // Written last: a copy without its marker (killed while writing) is made again, never trusted.
  await writeFileAtomic(join(dir, MARKER), `${JSON.stringify(record, null, 2)}\n`);
  return { ...made, reused: false };
}

/** Removes the run's instrumented copies (after a finished capture; a failed one keeps them for the rerun). */
export function removeInstrumented(runDir: string): void {
  removeTree(join(runDir, INSTRUMENTED_DIR));
}
