import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { encodeTable, SchemaError, type LooseBatch } from '../schema/encode.ts';
import { provenanceMetadata, SCHEMA_VERSION } from '../schema/metadata.ts';
import { PROBES, type ProbesBatch } from '../schema/probes.ts';
import { SEGMENTS, type SegmentsBatch } from '../schema/segments.ts';
import { TOKENS, type TokensBatch } from '../schema/tokens.ts';
import { isTableName, TABLES, type RunTableName, type UnitColumnBatch, type UnitTableName } from '../schema/tables.ts';
import type { TableSpec } from '../schema/columns.ts';
import { TOOL_VERSION } from '../version.ts';
import { writeArrowFileRecorded } from './arrow-file.ts';
import { ensureDir, writeFailure } from './atomic-write.ts';
import {
  identityMismatch,
  loadManifest,
  manifestProvenance,
  ManifestSchema,
  parseOrFail,
  unitKey,
  writeManifest,
  type FileRecord,
  type Manifest,
  type UnitEntry,
} from './manifest.ts';
import { decodeTable } from '../schema/decode.ts';
import { safeName } from './safe-name.ts';
import { lockRun, type RunLock } from './run-lock.ts';
import { removeStaleTemps } from './stale-temps.ts';
import { resumeMismatchError, unresumableError } from './resume-check.ts';
import { readRunFile } from './run-file-read.ts';
import { checkUnit, type CheckLevel } from './unit-check.ts';

/** What a run is made of; a resumed run must be opened with the same (paths may differ). */
export const RunInitSchema = ManifestSchema.pick({ models: true, tokenizer: true, probe_set: true, plan: true }).extend(
  {
    shard: ManifestSchema.shape.shard.optional(),
  },
);
export type RunInit = z.input<typeof RunInitSchema>;

/** The tables of one unit, each without `model`/`probe_id` (the writer fills those). */
export type UnitTables = { [T in UnitTableName]?: UnitColumnBatch<T> };

export const PARTS_DIR = 'parts';

export interface OpenOptions {
  /** A lock the caller already holds on the folder (e.g. capture takes it before instrumenting); default: take one. */
  lock?: RunLock;
  /** Named in the lock, for the message another writer gets (default "acc-lens"). */
  command?: string;
  /** How a resume checks the units it keeps (default `hash`: size and sha256). */
  check?: CheckLevel;
}

/** What opening an existing run found: units whose files failed the check (now to be redone), temp files removed. */
export interface ResumeReport {
  redo: { key: string; problem: string }[];
  removedTemps: string[];
}

/** How often, at most, the manifest backup is rewritten while units finish (always on close). */
const BACKUP_INTERVAL_MS = 30_000;
export const runTableFile = (table: RunTableName): string => `${table}.arrow`;

/**
 * Writes one run: the probe set once, then one unit (model × probe) at a time. A unit is done only
 * once the manifest lists it; the manifest is rewritten atomically after every unit, so a killed
 * capture resumes with `RunWriter.open` on the same folder and `isDone` tells what to skip.
 *
 * ```ts
 * const run = await RunWriter.open('runs/x', { models, tokenizer, probe_set, plan });
 * await run.writeProbeSet(probes, segments);
 * if (!run.isDone('base', 'p1')) await run.writeUnit('base', 'p1', { routing, attention_segments });
 * await run.close();
 * ```
 */
export class RunWriter {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private lastBackup = 0;

  private constructor(
    readonly dir: string,
    private readonly state: Manifest,
    private readonly probeTokens: Map<string, number>,
    private readonly lock: RunLock | null,
    /** What the resume checked and cleaned (empty for a new run). */
    readonly resume: ResumeReport,
  ) {}

  /**
   * Creates the run folder, or resumes the run already there (refusing one made from other inputs).
   * Takes the folder's write lock (E_RUN_LOCKED while another writer holds it), removes temp files of
   * killed writers, and checks the kept units (size + sha256): a damaged one is marked not done.
   */
  static async open(runDir: string, init: RunInit, o: OpenOptions = {}): Promise<RunWriter> {
    const parsed = parseOrFail(RunInitSchema, init, 'run init');
    await ensureDir(runDir);
    const lock = o.lock ?? (await lockRun(runDir, o.command ?? 'acc-lens'));
    try {
      return await RunWriter.resume(runDir, parsed, o.lock === undefined ? lock : null, o.check ?? 'hash');
    } catch (error) {
      if (o.lock === undefined) await lock.release();
      throw error;
    }
  }

  private static async resume(
    runDir: string,
    parsed: z.output<typeof RunInitSchema>,
    lock: RunLock | null,
    level: CheckLevel,
  ): Promise<RunWriter> {
    const fresh: Manifest = {
      schema_version: SCHEMA_VERSION,
      tool_version: TOOL_VERSION,
      created_at: new Date().toISOString(),
      models: parsed.models,
      tokenizer: parsed.tokenizer,
      probe_set: parsed.probe_set,
      plan: parsed.plan,
      shard: parsed.shard ?? null,
      units: {},
    };
    const removedTemps = await removeStaleTemps(runDir);
    const loaded = await loadManifest(runDir);
    let state = fresh;
    const redo: ResumeReport['redo'] = [];
    if (loaded !== null && !loaded.ok) throw unresumableError(loaded);
    if (loaded !== null) {
      state = loaded.manifest;
      const mismatch = identityMismatch(state, fresh);
      const shardA = JSON.stringify(state.shard);
      const shardB = JSON.stringify(fresh.shard);
      const [field, was, now] = mismatch ?? (shardA !== shardB ? ['shard', shardA, shardB] : [null, '', '']);
      if (field !== null) throw resumeMismatchError(runDir, field, was, now);
      for (const [key, unit] of Object.entries(state.units)) {
        if (unit.status !== 'done') continue;
        const [problem] = await checkUnit(runDir, state, unit, level);
        if (problem === undefined) continue;
        redo.push({ key, problem: `${problem.file} ${problem.problem}` });
        delete state.units[key];
      }
    }
    const probeTokens = await readProbeTokens(runDir, state);
    const writer = new RunWriter(runDir, state, probeTokens, lock, { redo, removedTemps });
    if (loaded === null || redo.length > 0) await writer.persist();
    return writer;
  }

  /** A copy of the manifest as it stands. */
  get manifest(): Manifest {
    return structuredClone(this.state);
  }

  /** Whether the unit finished (status `done`) in this or an earlier session. */
  isDone(model: string, probeId: string): boolean {
    return this.state.units[unitKey(model, probeId)]?.status === 'done';
  }

  /** `done`, `skipped`, or undefined for a unit never finished. */
  unitStatus(model: string, probeId: string): UnitEntry['status'] | undefined {
    return this.state.units[unitKey(model, probeId)]?.status;
  }

  /** Writes `probes.arrow`, `segments.arrow` (and `tokens.arrow` when given) for the whole probe set (identical in every shard). */
  async writeProbeSet(probes: ProbesBatch, segments: SegmentsBatch, tokens?: TokensBatch): Promise<void> {
    this.assertOpen();
    if (probes.probe_id.length !== this.state.probe_set.n_probes) {
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `probes: ${probes.probe_id.length} rows, but probe_set.n_probes is ${this.state.probe_set.n_probes}`,
      );
    }
    const seen = new Set<string>();
    for (const id of probes.probe_id) {
      if (seen.has(id)) throw new AccLensError('E_CONFIG_INVALID', `probes: probe_id "${id}" occurs twice`);
      seen.add(id);
    }
    const provenance = manifestProvenance(this.state);
    const files: [TableSpec, object][] = [
      [PROBES, probes],
      [SEGMENTS, segments],
    ];
    if (tokens !== undefined) files.push([TOKENS, tokens]);
    const recorded: Record<string, FileRecord> = {};
    for (const [spec, batch] of files) {
      const table = encode(spec, batch as unknown as LooseBatch, provenanceMetadata(provenance, spec.name), {});
      const file = runTableFile(spec.name as RunTableName);
      recorded[file] = await writeArrowFileRecorded(join(this.dir, file), table);
    }
    probes.probe_id.forEach((id, i) => this.probeTokens.set(id, Number(probes.n_tokens[i])));
    this.state.run_files = { ...this.state.run_files, ...recorded };
    await this.persist();
  }

  /**
   * Writes a unit's part files, then records it as done. Parts of an unfinished earlier attempt are
   * removed first. `nTokens` defaults to the probe's `n_tokens` from the probe set.
   */
  async writeUnit(
    model: string,
    probeId: string,
    tables: UnitTables,
    options: { nTokens?: number } = {},
  ): Promise<UnitEntry> {
    this.assertOpen();
    const { dir, key } = await this.prepareUnit(model, probeId);
    const files: string[] = [];
    const hashes: Record<string, FileRecord> = {};
    const provenance = manifestProvenance(this.state, [model]);
    await ensureDir(join(this.dir, dir));
    for (const [name, batch] of Object.entries(tables)) {
      if (batch === undefined) continue;
      if (!isTableName(name) || TABLES[name].scope !== 'unit') {
        throw new AccLensError('E_INTERNAL', `writeUnit: "${name}" is not a per-unit table`);
      }
      const table = encode(TABLES[name], batch as unknown as LooseBatch, provenanceMetadata(provenance, name), {
        model,
        probe_id: probeId,
      });
      const file = `${dir}/${name}.arrow`;
      hashes[file] = await writeArrowFileRecorded(join(this.dir, file), table);
      files.push(file);
    }
    return this.finish(key, {
      model,
      probe_id: probeId,
      dir,
      status: 'done',
      n_tokens: this.tokensOf(probeId, options.nTokens),
      files: files.sort(),
      hashes: Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => (a < b ? -1 : 1))),
      finished_at: new Date().toISOString(),
    });
  }

  /** Records a unit as skipped with its reason (e.g. probe longer than the model's positions). */
  async skipUnit(
    model: string,
    probeId: string,
    reason: string,
    options: { nTokens?: number } = {},
  ): Promise<UnitEntry> {
    this.assertOpen();
    const { dir, key } = await this.prepareUnit(model, probeId);
    return this.finish(key, {
      model,
      probe_id: probeId,
      dir,
      status: 'skipped',
      reason,
      n_tokens: this.tokensOf(probeId, options.nTokens, 0),
      files: [],
      finished_at: new Date().toISOString(),
    });
  }

  /** Waits for the last manifest write, writes the manifest backup and releases the lock; the writer cannot be used afterwards. */
  async close(): Promise<Manifest> {
    if (!this.closed) {
      this.closed = true;
      try {
        await this.queue;
        await this.persist(true);
      } finally {
        await this.lock?.release();
      }
    }
    return this.manifest;
  }

  private async prepareUnit(model: string, probeId: string): Promise<{ dir: string; key: string }> {
    if (this.state.models[model] === undefined) {
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `unknown model "${model}"; this run has ${Object.keys(this.state.models).join(', ')}`,
      );
    }
    const key = unitKey(model, probeId);
    const dir = `${PARTS_DIR}/${model}/${safeName(probeId)}`;
    const clash = Object.values(this.state.units).find((u) => u.dir === dir && u.probe_id !== probeId);
    if (clash !== undefined)
      throw new AccLensError(
        'E_INTERNAL',
        `probe ids "${probeId}" and "${clash.probe_id}" map to the same folder ${dir}`,
      );
    if (this.state.units[key] !== undefined) {
      // Rewriting a finished unit: un-finish it first so a crash midway cannot leave it "done" with mixed files.
      delete this.state.units[key];
      await this.persist();
    }
    try {
      await rm(join(this.dir, dir), { recursive: true, force: true });
    } catch (error) {
      throw writeFailure(error, join(this.dir, dir));
    }
    return { dir, key };
  }

  private tokensOf(probeId: string, explicit: number | undefined, fallback?: number): number {
    const n = explicit ?? this.probeTokens.get(probeId) ?? fallback;
    if (n === undefined) {
      throw new AccLensError(
        'E_INTERNAL',
        `n_tokens of probe "${probeId}" unknown: call writeProbeSet first or pass { nTokens }`,
      );
    }
    return n;
  }

  private async finish(key: string, entry: UnitEntry): Promise<UnitEntry> {
    this.state.units[key] = entry;
    await this.persist();
    return entry;
  }

  /** Serialises manifest writes: each write happens after the previous one and includes every finished unit. */
  private persist(forceBackup = false): Promise<void> {
    const backup = forceBackup || Date.now() - this.lastBackup > BACKUP_INTERVAL_MS;
    if (backup) this.lastBackup = Date.now();
    const next = this.queue.then(() => writeManifest(this.dir, this.state, { backup }));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private assertOpen(): void {
    if (this.closed) throw new AccLensError('E_INTERNAL', `RunWriter for ${this.dir} is closed`);
  }
}

function encode(spec: TableSpec, batch: LooseBatch, metadata: Map<string, string>, constants: Record<string, string>) {
  try {
    return encodeTable(spec, batch, metadata, constants);
  } catch (error) {
    if (error instanceof SchemaError)
      throw new AccLensError(
        'E_INTERNAL',
        `run store: ${error.message}`,
        'A capture stage produced a batch that does not fit docs/run-store.md; please report it.',
      );
    throw error;
  }
}

/** Prompt lengths from `probes.arrow` when it is sound; a damaged one is ignored (capture rewrites it). */
async function readProbeTokens(runDir: string, state: Manifest): Promise<Map<string, number>> {
  const file = runTableFile('probes');
  const probeTokens = new Map<string, number>();
  const record = state.run_files?.[file];
  try {
    const table = await readRunFile(runDir, state, file, { table: 'probes', ...(record ? { record } : {}) });
    const cols = decodeTable(PROBES, table);
    (cols.probe_id as string[]).forEach((id, i) => probeTokens.set(id, Number(cols.n_tokens![i])));
  } catch (error) {
    if (!(error instanceof AccLensError)) throw error;
  }
  return probeTokens;
}
