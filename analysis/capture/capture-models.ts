import { relative } from 'node:path';
import { AccLensError } from '../errors.ts';
import { fileSha256 } from '../io/local-files.ts';
import { modelIdentity } from '../io/model-identity.ts';
import { checkChunkedPrefill } from './chunk-check.ts';
import { instrumentInRun } from './instrument-cache.ts';
import type { InstrumentedModel } from './instrument.ts';
import type { CapturePlan } from './plan.ts';
import { openModel, type EpChoice, type ModelContract, type ModelSession } from './session.ts';

/** One model of a capture, ready: its bytes hashed, instrumented into the run folder, its session checked. */
export interface PreparedModel {
  name: string;
  /** The user's model file. */
  path: string;
  sha256: string;
  model: InstrumentedModel;
  contract: ModelContract;
  ep: 'cuda' | 'cpu';
  /** Whether the instrumented copy was reused from an earlier (killed or failed) attempt. */
  reused: boolean;
}

/**
 * Rewrites an error about the instrumented copy to name the user's model: a message that names a
 * file in RUN/.acc-lens/instrumented/ tells the user nothing about which of their models failed.
 */
export function userPathError(error: unknown, m: { path: string; model: InstrumentedModel }, runDir: string): unknown {
  if (!(error instanceof AccLensError) || !error.message.includes(m.model.path)) return error;
  const copy = `${m.path} (its instrumented copy ${relative(runDir, m.model.path)} in the run folder)`;
  return new AccLensError(error.code, error.message.split(m.model.path).join(copy), error.fix);
}

/**
 * Opens an instrumented model's session, with errors naming the user's model file.
 * Example: `const s = await openPrepared(m, 'auto', 'runs/x')`.
 */
export async function openPrepared(
  m: Pick<PreparedModel, 'path' | 'model'>,
  ep: EpChoice,
  runDir: string,
): Promise<ModelSession> {
  try {
    return await openModel(m.model.path, { ep });
  } catch (error) {
    throw userPathError(error, m, runDir);
  }
}

/**
 * Validates every model before the first unit runs: hashes it (with its external data: io/model-identity.ts),
 * instruments it into the run folder
 * (reusing an earlier attempt's copy) and opens and checks its session, so a bad `--tuned` model
 * fails before any base unit has run. Sessions are closed again (one model is held at a time).
 * Example: `const models = await prepareModels([{ name: 'base', path: 'a.onnx' }], plan, 'runs/x', 'auto')`.
 */
export async function prepareModels(
  models: readonly { name: string; path: string }[],
  plan: CapturePlan,
  runDir: string,
  ep: EpChoice,
  /** Whether some probe runs in more than one chunk: each model's chunked prefill is then tried first. */
  chunked = false,
  onNotice?: (line: string) => void,
): Promise<PreparedModel[]> {
  const prepared: PreparedModel[] = [];
  for (const m of models) {
    const onnxSha256 = await fileSha256(m.path).catch(() => {
      throw new AccLensError('E_FILE_NOT_FOUND', `model file not found or unreadable: ${m.path}`);
    });
    const model = await instrumentInRun(runDir, m.name, m.path, onnxSha256, plan);
    const sha256 = await modelIdentity(onnxSha256, model.externalData, runDir, {
      onHash: (file, bytes) =>
        onNotice?.(
          `${m.name}: hashing ${file} (${(bytes / 1e9).toFixed(2)} GB of external data; once per file version)`,
        ),
    });
    const session = await openPrepared({ path: m.path, model }, ep, runDir);
    if (chunked)
      await checkChunkedPrefill(session, model, plan).catch(async (error: unknown) => {
        await session.close();
        throw userPathError(error, { path: m.path, model }, runDir);
      });
    prepared.push({ ...m, sha256, model, contract: session.contract, ep: session.ep, reused: model.reused });
    await session.close();
  }
  return prepared;
}
