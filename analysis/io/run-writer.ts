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
import { readArrowFile, writeArrowFile } from './arrow-file.ts';
import { ensureDir, writeFailure } from './atomic-write.ts';
import {
  identityMismatch,
  manifestProvenance,
  ManifestSchema,
  parseOrFail,
  readManifest,
  unitKey,
  writeManifest,
  type Manifest,
  type UnitEntry,
} from './manifest.ts';
import { decodeTable } from '../schema/decode.ts';
import { safeName } from './safe-name.ts';
import { existsSync } from 'node:fs';

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

  private constructor(
    readonly dir: string,
    private readonly state: Manifest,
    private readonly probeTokens: Map<string, number>,
  ) {}

  /** Creates the run folder, or resumes the run already there (refusing one made from other inputs). */
  static async open(runDir: string, init: RunInit): Promise<RunWriter> {
    const parsed = parseOrFail(RunInitSchema, init, 'run init');
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
    await ensureDir(runDir);
    let state = fresh;
    if (existsSync(join(runDir, 'manifest.json'))) {
      state = await readManifest(runDir);
      const mismatch = identityMismatch(state, fresh);
      const shardA = JSON.stringify(state.shard);
      const shardB = JSON.stringify(fresh.shard);
      const [field, was, now] = mismatch ?? (shardA !== shardB ? ['shard', shardA, shardB] : [null, '', '']);
      if (field !== null) {
        throw new AccLensError(
          'E_CONFIG_INVALID',
          `cannot resume ${runDir}: ${field} differs (run has ${clip(was)}, now ${clip(now)})`,
          'Resume with the same models, tokenizer, probe set, plan and shard, or write to a new --out folder.',
        );
      }
    } else {
      await writeManifest(runDir, state);
    }
    const probeTokens = new Map<string, number>();
    const probesPath = join(runDir, runTableFile('probes'));
    if (existsSync(probesPath)) {
      const cols = decodeTable(PROBES, await readArrowFile(probesPath));
      (cols.probe_id as string[]).forEach((id, i) => probeTokens.set(id, Number(cols.n_tokens![i])));
    }
    return new RunWriter(runDir, state, probeTokens);
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
    for (const [spec, batch] of files) {
      const table = encode(spec, batch as unknown as LooseBatch, provenanceMetadata(provenance, spec.name), {});
      await writeArrowFile(join(this.dir, runTableFile(spec.name as RunTableName)), table);
    }
    probes.probe_id.forEach((id, i) => this.probeTokens.set(id, Number(probes.n_tokens[i])));
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
      await writeArrowFile(join(this.dir, file), table);
      files.push(file);
    }
    return this.finish(key, {
      model,
      probe_id: probeId,
      dir,
      status: 'done',
      n_tokens: this.tokensOf(probeId, options.nTokens),
      files: files.sort(),
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

  /** Waits for the last manifest write; the writer cannot be used afterwards. */
  async close(): Promise<Manifest> {
    this.closed = true;
    await this.queue;
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
  private persist(): Promise<void> {
    const next = this.queue.then(() => writeManifest(this.dir, this.state));
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

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
