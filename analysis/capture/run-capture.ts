import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AccLensError } from '../errors.ts';
import { fileSha256 } from '../io/local-files.ts';
import { RunWriter } from '../io/run-writer.ts';
import type { Manifest } from '../io/manifest.ts';
import { defaultTokenizerDir, loadTokenizer } from '../tokenize/load.ts';
import { PRETOKENIZED } from '../tokenize/tokenize-probe.ts';
import { captureUnit } from './capture-unit.ts';
import { probeFeeds } from './chunk-feeds.ts';
import { assertFits, estimatePlan, type PlanEstimate } from './estimate.ts';
import { instrumentForCapture, type InstrumentedModel } from './instrument.ts';
import { parsePlan, planIdentity, type CapturePlan } from './plan.ts';
import { loadProbeSet, probeSetTables } from './probe-set.ts';
import { probeTokensBatch } from './probe-tokens.ts';
import { querySetPositions } from './query-sets.ts';
import type { ProgressEvent } from './progress.ts';
import { openModel, type EpChoice } from './session.ts';
import { inShard, type Shard } from './shard.ts';

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
}

export interface CaptureSummary {
  run: string;
  manifest: Manifest;
  plan: CapturePlan;
  estimate: PlanEstimate;
  units: { done: number; skipped: number; resumed: number; total: number };
  tokens: number;
  seconds: number;
  executionProvider: string;
}

/**
 * Captures a probe set through one or more models into a run folder: tokenize once, instrument each
 * model (reductions in-graph), check vocabulary and memory budget, then every model × probe unit of the
 * shard by chunked prefill; finished units are skipped on rerun (resume).
 * Example: `await runCapture({ models: [{ name: 'base', path: 'a.onnx' }], probes: 'p.jsonl', out: 'runs/p' })`.
 */
export async function runCapture(o: CaptureOptions): Promise<CaptureSummary> {
  const started = performance.now();
  const plan = parsePlan(o.plan);
  const tokenizerDir = o.tokenizerDir ?? defaultTokenizerDir();
  // Pre-tokenized probes need no tokenizer: the default one is loaded only for text probes.
  const set = await loadProbeSet(
    o.probes,
    o.tokenizerDir !== undefined ? loadTokenizer(tokenizerDir) : () => loadTokenizer(tokenizerDir),
  );
  const tokenizer = set.tokenizer;
  const instrumented: { name: string; path: string; model: InstrumentedModel }[] = [];
  try {
    for (const m of o.models) instrumented.push({ ...m, model: instrumentForCapture(m.path, plan) });
    for (const { path, model } of instrumented)
      checkVocabulary(path, model, tokenizer?.vocabSize ?? null, set.tokenized);
    const shard = o.shard ?? null;
    const mine = set.tokenized.filter((t) => inShard(t.id, shard));
    const estimate = estimatePlan(
      plan,
      instrumented.map((m) => m.model.shape),
      mine.map((t) => ({
        id: t.id,
        n_tokens: t.input_ids.length,
        segments: t.segments.length,
        rowQueries: plan.rows ? plan.rows.query_sets.reduce((s, q) => s + querySetPositions(t).get(q)!.length, 0) : 0,
      })),
    );
    assertFits(
      estimate,
      o.models.map((m) => m.path),
    );
    const hashes = await Promise.all(o.models.map((m) => fileSha256(m.path)));
    const tokenizerSha =
      tokenizer === null ? createHash('sha256').digest('hex') : await fileSha256(join(tokenizerDir, 'tokenizer.json'));
    let run: RunWriter | undefined;
    let ep = 'cpu',
      tokens = 0;
    const counts = { done: 0, skipped: 0, resumed: 0, total: mine.length * instrumented.length };
    let tokensLeft = instrumented.length * mine.reduce((s, t) => s + t.input_ids.length, 0);
    for (const m of instrumented) {
      const session = await openModel(m.model.path, { ep: o.ep ?? 'auto' });
      try {
        if (run === undefined) {
          ep = session.ep;
          run = await RunWriter.open(o.out, {
            models: Object.fromEntries(
              instrumented.map((x, j) => [
                x.name,
                { path: x.path, sha256: hashes[j]!, form: x.model.form, execution_provider: ep },
              ]),
            ),
            tokenizer: { id: tokenizer?.name ?? PRETOKENIZED, sha256: tokenizerSha },
            probe_set: { path: set.path, sha256: set.sha256, n_probes: set.probes.length },
            plan: planIdentity(plan),
            ...(shard ? { shard } : {}),
          });
          const tables = probeSetTables(set.probes, set.tokenized);
          await run.writeProbeSet(tables.probes, tables.segments, probeTokensBatch(tokenizer, set.tokenized));
        }
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
          if (run.unitStatus(m.name, t.id) !== undefined) {
            counts.resumed++;
            tokensLeft -= n;
            event('unit-resumed');
            continue;
          }
          const max = session.contract.maxPositions;
          if (max !== undefined && n > max) {
            await run.skipUnit(m.name, t.id, `probe has ${n} tokens, more than the model's ${max} positions`, {
              nTokens: n,
            });
            counts.skipped++;
            tokensLeft -= n;
            event('unit-skipped', `${n} tokens > ${max} positions`);
            continue;
          }
          const before = tokens;
          const tables = await captureUnit(session, m.model.layout, probeFeeds(t, plan), plan, (done) => {
            tokens = before + done;
            event('chunk');
          });
          await run.writeUnit(m.name, t.id, tables, { nTokens: n });
          counts.done++;
          tokensLeft -= n;
          event('unit-done');
        }
      } finally {
        await session.close();
      }
    }
    // Thrown here, not in the finally above, where it would replace the error that left run unopened.
    if (run === undefined) throw new AccLensError('E_INTERNAL', 'no model was opened');
    const manifest = await run.close();
    return {
      run: o.out,
      manifest,
      plan,
      estimate,
      units: counts,
      tokens,
      seconds: (performance.now() - started) / 1000,
      executionProvider: ep,
    };
  } finally {
    for (const m of instrumented) m.model.dispose();
  }
}

function checkVocabulary(
  path: string,
  m: InstrumentedModel,
  tokenizerVocab: number | null,
  probes: readonly { id: string; input_ids: Int32Array }[],
): void {
  const rows = m.shape.embeddingRows;
  if (rows === null) return;
  if (tokenizerVocab !== null && tokenizerVocab > rows) {
    throw new AccLensError(
      'E_TOKENIZER',
      `the tokenizer has ${tokenizerVocab} ids but ${path}'s embedding has ${rows} rows; ids ≥ ${rows} would index past it`,
      'Pass the tokenizer that belongs to the model (--tokenizer DIR).',
    );
  }
  for (const p of probes) {
    const bad = p.input_ids.findIndex((id) => id >= rows);
    if (bad >= 0)
      throw new AccLensError(
        'E_TOKENIZER',
        `probe ${p.id}: token ${bad} has id ${p.input_ids[bad]}, outside ${path}'s embedding (${rows} rows)`,
      );
  }
}
