import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AccLensError } from '../errors.ts';
import { ensureDir } from '../io/atomic-write.ts';
import { fileSha256, isFile, pathExists, removeTree } from '../io/local-files.ts';
import { MANIFEST_FILE } from '../io/manifest.ts';
import { lockRun } from '../io/run-lock.ts';
import { assertResumable } from '../io/resume-check.ts';
import { RunWriter } from '../io/run-writer.ts';
import type { Manifest } from '../io/manifest.ts';
import { defaultTokenizerDir, loadTokenizer } from '../tokenize/load.ts';
import { PRETOKENIZED } from '../tokenize/tokenize-probe.ts';
import type { TextTokenizer } from '../tokenize/tokenizer.ts';
import { captureUnit } from './capture-unit.ts';
import { openPrepared, prepareModels, userPathError, type PreparedModel } from './capture-models.ts';
import { probeFeeds } from './chunk-feeds.ts';
import { assertFits, estimatePlan, type PlanEstimate } from './estimate.ts';
import { INSTRUMENTED_DIR, removeInstrumented } from './instrument-cache.ts';
import { chunkSizeFor, parsePlan, planIdentity, type CapturePlan } from './plan.ts';
import { loadProbeSet, probeSetTables } from './probe-set.ts';
import { probeTokensBatch } from './probe-tokens.ts';
import type { ProgressEvent } from './progress.ts';
import type { EpChoice } from './session.ts';
import { inShard, type Shard } from './shard.ts';
import { probeSize, unitLimits, type UnitLimit } from './unit-limits.ts';

export interface CaptureOptions {
  /** Models in run order, e.g. [{ name: 'base', path }, { name: 'tuned', path }]. */
  models: readonly { name: string; path: string }[];
  probes: string;
  out: string;
  /** A plan (validated, defaults filled) or raw JSON from --plan. */
  plan?: unknown;
  shard?: Shard | null;
  ep?: EpChoice;
  /** Folder with tokenizer.json (+ tokenizer_config.json); default Qwen3. */
  tokenizerDir?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** One line for each thing a resume found and fixed (units redone after a failed check, temp files removed). */
  onNotice?: (line: string) => void;
}

export interface CaptureSummary {
  run: string;
  manifest: Manifest;
  plan: CapturePlan;
  estimate: PlanEstimate;
  units: { done: number; skipped: number; resumed: number; total: number };
  /** Units a resume found damaged and redid. */
  redone: string[];
  tokens: number;
  seconds: number;
  executionProvider: string;
}

/** `--out` may not be (or replace) one of the inputs. */
function refuseOutOverInputs(o: CaptureOptions): void {
  const out = resolve(o.out);
  for (const input of [o.probes, ...o.models.map((m) => m.path)])
    if (resolve(input) === out)
      throw new AccLensError(
        'E_USAGE',
        `--out ${o.out} is an input of the capture (${input})`,
        'Choose a new --out folder.',
      );
  if (isFile(o.out))
    throw new AccLensError('E_USAGE', `--out ${o.out} is a file; a run is a folder`, 'Choose a new --out folder.');
}

/**
 * Captures a probe set through one or more models into a run folder: tokenize once; lock the run;
 * hash, instrument (into RUN/.acc-lens/, reused after a kill) and open every model before the first
 * unit; skip units over a per-probe limit with their reason; then run every model × probe unit of the
 * shard by chunked prefill. Finished units are checked and kept on rerun (resume).
 * Example: `await runCapture({ models: [{ name: 'base', path: 'a.onnx' }], probes: 'p.jsonl', out: 'runs/p' })`.
 */
export async function runCapture(o: CaptureOptions): Promise<CaptureSummary> {
  const started = performance.now();
  const plan = parsePlan(o.plan);
  refuseOutOverInputs(o);
  const tokenizerDir = o.tokenizerDir ?? defaultTokenizerDir();
  // Pre-tokenized probes need no tokenizer: the default one is loaded only for text probes.
  const set = await loadProbeSet(
    o.probes,
    o.tokenizerDir !== undefined ? loadTokenizer(tokenizerDir) : () => loadTokenizer(tokenizerDir),
  );
  const created = !pathExists(o.out);
  await ensureDir(o.out);
  const lock = await lockRun(o.out, 'acc-lens capture');
  let writer: RunWriter | undefined;
  try {
    const tokenizer = set.tokenizer;
    const tokenizerSha =
      tokenizer === null ? createHash('sha256').digest('hex') : await fileSha256(join(tokenizerDir, 'tokenizer.json'));
    const runInputs = {
      tokenizer: { id: tokenizer?.name ?? PRETOKENIZED, sha256: tokenizerSha },
      probe_set: { path: set.path, sha256: set.sha256, n_probes: set.probes.length },
      plan: planIdentity(plan),
    };
    // A run that cannot be resumed with these inputs is refused before the models are hashed and instrumented.
    await assertResumable(o.out, { ...runInputs, models: o.models.map((m) => m.name), shard: o.shard ?? null });
    const chunked = set.tokenized.some((t) => chunkSizeFor(plan, t.input_ids.length) < t.input_ids.length);
    const models = await prepareModels(o.models, plan, o.out, o.ep ?? 'auto', chunked, o.onNotice);
    for (const m of models.filter((x) => x.reused))
      o.onNotice?.(`${m.name}: instrumented copy reused from ${INSTRUMENTED_DIR}/ (made by an interrupted attempt)`);
    for (const m of models) checkTokenizer(m, set.tokenizer);
    const mine = set.tokenized.filter((t) => inShard(t.id, o.shard ?? null));
    const limits = unitLimits(
      plan,
      models.map((m) => m.model.shape),
      models.map((m) => m.contract.maxPositions),
      mine,
    );
    const estimate = fittingEstimate(plan, models, mine, limits);
    const ep = models[0]!.ep;
    writer = await RunWriter.open(
      o.out,
      {
        models: Object.fromEntries(
          models.map((m) => [m.name, { path: m.path, sha256: m.sha256, form: m.model.form, execution_provider: ep }]),
        ),
        ...runInputs,
        ...(o.shard ? { shard: o.shard } : {}),
      },
      { lock },
    );
    for (const r of writer.resume.redo)
      o.onNotice?.(`${r.key}: redone, its kept files failed the check (${r.problem})`);
    for (const t of writer.resume.removedTemps) o.onNotice?.(`removed ${t}, left by an interrupted write`);
    const tables = probeSetTables(set.probes, set.tokenized);
    await writer.writeProbeSet(tables.probes, tables.segments, probeTokensBatch(tokenizer, set.tokenized));
    const result = await captureUnits(o, writer, models, mine, limits, plan, started);
    const manifest = await writer.close();
    removeInstrumented(o.out);
    return {
      run: o.out,
      manifest,
      plan,
      estimate,
      ...result,
      redone: writer.resume.redo.map((r) => r.key),
      executionProvider: ep,
    };
  } catch (error) {
    await writer?.close().catch(() => undefined);
    // A folder this call created, refused before anything was written, is removed: nothing is left behind.
    if (created && !pathExists(join(o.out, MANIFEST_FILE))) removeTree(o.out);
    throw error;
  } finally {
    await lock.release();
  }
}

function checkTokenizer(m: PreparedModel, tokenizer: TextTokenizer | null): void {
  const rows = m.model.shape.embeddingRows;
  if (rows === null || tokenizer === null || tokenizer.vocabSize <= rows) return;
  throw new AccLensError(
    'E_TOKENIZER',
    `the tokenizer has ${tokenizer.vocabSize} ids but ${m.path}'s embedding has ${rows} rows; ids ≥ ${rows} would index past it`,
    'Pass the tokenizer that belongs to the model (--tokenizer DIR).',
  );
}

/** The estimate over the units that run; when no unit fits at all, the plan is refused with its suggestion. */
function fittingEstimate(
  plan: CapturePlan,
  models: readonly PreparedModel[],
  probes: readonly Parameters<typeof probeSize>[1][],
  limits: readonly UnitLimit[],
): PlanEstimate {
  const sizes = probes.map((t) => probeSize(plan, t));
  if (probes.length > 0 && limits.length === models.length * probes.length)
    assertFits(
      estimatePlan(
        plan,
        models.map((m) => m.model.shape),
        sizes,
      ),
      models.map((m) => m.path),
    );
  const runs = (i: number) => sizes.filter((s) => !limits.some((l) => l.model === i && l.probeId === s.id));
  const per = models.map((m, i) => estimatePlan(plan, [m.model.shape], runs(i)));
  const peak = per.reduce((a, b) => (b.peakBytes > a.peakBytes ? b : a));
  return { ...peak, outputBytes: per.reduce((s, e) => s + e.outputBytes, 0) };
}

async function captureUnits(
  o: CaptureOptions,
  run: RunWriter,
  models: readonly PreparedModel[],
  mine: readonly Parameters<typeof probeSize>[1][],
  limits: readonly UnitLimit[],
  plan: CapturePlan,
  started: number,
): Promise<Pick<CaptureSummary, 'units' | 'tokens' | 'seconds'>> {
  const counts = { done: 0, skipped: 0, resumed: 0, total: mine.length * models.length };
  let tokens = 0;
  let tokensLeft = models.length * mine.reduce((s, t) => s + t.input_ids.length, 0);
  for (const [i, m] of models.entries()) {
    const pending = mine.filter((t) => !run.isDone(m.name, t.id));
    const session = pending.length > 0 ? await openPrepared(m, o.ep ?? 'auto', o.out) : null;
    try {
      for (const t of mine) {
        const event = (kind: ProgressEvent['kind'], reason?: string): void =>
          o.onProgress?.({
            kind,
            model: m.name,
            probeId: t.id,
            unitsDone: counts.done + counts.skipped + counts.resumed,
            unitsTotal: counts.total,
            tokens,
            seconds: (performance.now() - started) / 1000,
            tokensLeft,
            ...(reason ? { reason } : {}),
          });
        const n = t.input_ids.length;
        const limit = limits.find((l) => l.model === i && l.probeId === t.id);
        const status = run.unitStatus(m.name, t.id);
        // A skip is decided again on every run: a raised budget lets a skipped unit run.
        if (status === 'done' || (status === 'skipped' && limit !== undefined)) {
          counts.resumed++;
          tokensLeft -= n;
          event('unit-resumed');
          continue;
        }
        if (limit !== undefined) {
          await run.skipUnit(m.name, t.id, limit.reason, { nTokens: n });
          counts.skipped++;
          tokensLeft -= n;
          event('unit-skipped', limit.reason);
          continue;
        }
        const before = tokens;
        const tables = await captureUnit(session!, m.model.layout, probeFeeds(t, plan), plan, (done) => {
          tokens = before + done;
          event('chunk');
        });
        await run.writeUnit(m.name, t.id, tables, { nTokens: n });
        counts.done++;
        tokensLeft -= n;
        event('unit-done');
      }
    } catch (error) {
      throw userPathError(error, m, o.out);
    } finally {
      await session?.close();
    }
  }
  return { units: counts, tokens, seconds: (performance.now() - started) / 1000 };
}
