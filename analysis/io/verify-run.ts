import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { AccLensError } from '../errors.ts';
import { decodeTable } from '../schema/decode.ts';
import { META } from '../schema/metadata.ts';
import { PROBES } from '../schema/probes.ts';
import { RUN_TABLE_NAMES, TABLES, type RunTableName } from '../schema/tables.ts';
import type { Manifest, UnitEntry } from '../schema/manifest.ts';
import { sizeOf } from './file-record.ts';
import { assertRunFolder } from './manifest.ts';
import { readRunFile } from './run-file-read.ts';
import { runTableFile } from './run-writer.ts';
import { tempFilePid } from './stale-temps.ts';
import { partTable } from './unit-check.ts';

export type FileStatus = 'ok' | 'damaged' | 'missing' | 'absent';

export interface RunFileReport {
  file: string;
  status: FileStatus;
  problem?: string;
  /** Whether the manifest recorded its size and hash. */
  hashed: boolean;
}

export interface UnitReport {
  key: string;
  model: string;
  probe_id: string;
  status: 'ok' | 'damaged' | 'skipped';
  problems: string[];
  hashed: boolean;
}

/** What `verifyManifestRun` found in a run with a readable manifest. */
export interface RunCheck {
  run_files: RunFileReport[];
  units: UnitReport[];
  /** Files and unit folders below parts/ that the manifest does not list (readers ignore them). */
  stray: string[];
  /** Temp files of interrupted writes. */
  temps: string[];
  bytes: number;
  /** Run files and done units whose Arrow tables passed, by path, for `--rehash`. */
  sound: Map<string, Table>;
}

const message = (error: unknown, path: string): string =>
  error instanceof AccLensError ? error.message.replace(`${path} `, '').replace(`${path}: `, '') : String(error);

async function checkFile(
  runDir: string,
  manifest: Manifest,
  file: string,
  expect: Parameters<typeof readRunFile>[3],
): Promise<{ table: Table } | { problem: string }> {
  try {
    return { table: await readRunFile(runDir, manifest, file, expect, { deep: true }) };
  } catch (error) {
    if (!(error instanceof AccLensError)) throw error;
    return { problem: message(error, join(runDir, file)) };
  }
}

function runFileNeeded(manifest: Manifest, table: RunTableName): boolean {
  return table !== 'tokens' && Object.values(manifest.units).some((u) => u.status === 'done');
}

/** Checks `probes`, `segments` and `tokens`, and that the units' probes are in the probe set. */
async function checkRunFiles(runDir: string, manifest: Manifest, out: RunCheck): Promise<void> {
  let probeIds: Set<string> | null = null;
  for (const table of RUN_TABLE_NAMES) {
    const file = runTableFile(table);
    const record = manifest.run_files?.[file];
    const result = await checkFile(runDir, manifest, file, { table, ...(record ? { record } : {}) });
    if ('problem' in result) {
      const missing = /(^| )is missing/.test(result.problem) || /cannot be read \(ENOENT\)/.test(result.problem);
      const absent = missing && record === undefined && !runFileNeeded(manifest, table);
      out.run_files.push({
        file,
        status: absent ? 'absent' : missing ? 'missing' : 'damaged',
        ...(absent ? {} : { problem: result.problem }),
        hashed: record !== undefined,
      });
      continue;
    }
    let problem: string | undefined;
    if (table === 'probes') {
      const ids = decodeTable(PROBES, result.table).probe_id as string[];
      probeIds = new Set(ids);
      if (ids.length !== manifest.probe_set.n_probes)
        problem = `${ids.length} probes, the manifest's probe_set.n_probes is ${manifest.probe_set.n_probes}`;
      else if (probeIds.size !== ids.length) problem = 'a probe id occurs twice';
    } else if (probeIds !== null) {
      const foreign = foreignProbe(result.table, table, probeIds);
      if (foreign !== null) problem = `has rows of probe "${foreign}", which probes.arrow does not list`;
    }
    out.run_files.push({
      file,
      status: problem ? 'damaged' : 'ok',
      ...(problem ? { problem } : {}),
      hashed: record !== undefined,
    });
    if (problem === undefined) out.sound.set(file, result.table);
    out.bytes += (await sizeOf(join(runDir, file))) ?? 0;
  }
  if (probeIds === null) return;
  for (const unit of Object.values(manifest.units))
    if (!probeIds.has(unit.probe_id)) out.stray.push(`unit ${unit.model}/${unit.probe_id}: probe not in probes.arrow`);
}

function foreignProbe(table: Table, name: RunTableName, ids: ReadonlySet<string>): string | null {
  if (name === 'tokens') {
    const listed = JSON.parse(table.schema.metadata.get(META.batchProbes) ?? '[]') as string[];
    return listed.find((id) => !ids.has(id)) ?? null;
  }
  const column = decodeTable(TABLES[name], table).probe_id as string[];
  return column.find((id) => !ids.has(id)) ?? null;
}

/** The layers of a layered part (batch_layers metadata), as a comparable key. */
const layersOf = (table: Table): string => table.schema.metadata.get(META.batchLayers) ?? '[]';

async function checkUnits(runDir: string, manifest: Manifest, out: RunCheck): Promise<void> {
  const layerSets = new Map<string, Map<string, string[]>>(); // model/table → layers → unit keys
  for (const [key, unit] of Object.entries(manifest.units).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const report: UnitReport = {
      key,
      model: unit.model,
      probe_id: unit.probe_id,
      status: 'ok',
      problems: [],
      hashed: true,
    };
    out.units.push(report);
    if (unit.status === 'skipped') {
      report.status = 'skipped';
      if (unit.files.length > 0) report.problems.push('a skipped unit lists files');
      continue;
    }
    report.hashed = unit.files.every((f) => unit.hashes?.[f] !== undefined);
    for (const file of unit.files) {
      const table = partTable(file);
      if (table === null) {
        report.problems.push(`${file}: not a part file of a known table`);
        continue;
      }
      const record = unit.hashes?.[file];
      const expect = { table, unit: { model: unit.model, probeId: unit.probe_id }, ...(record ? { record } : {}) };
      const result = await checkFile(runDir, manifest, file, expect);
      if ('problem' in result) {
        report.problems.push(`${file} ${result.problem}`);
        continue;
      }
      out.sound.set(file, result.table);
      out.bytes += (await sizeOf(join(runDir, file))) ?? 0;
      if (!TABLES[table].layered || result.table.numRows === 0) continue;
      const group = layerSets.get(`${unit.model}/${table}`) ?? new Map<string, string[]>();
      layerSets.set(`${unit.model}/${table}`, group);
      group.set(layersOf(result.table), [...(group.get(layersOf(result.table)) ?? []), key]);
    }
  }
  // A part whose layers differ from every other unit's of the same model and table was not made by this run's plan.
  for (const [group, sets] of layerSets) {
    if (sets.size < 2) continue;
    const [common, keys] = [...sets].sort((a, b) => b[1].length - a[1].length)[0]!;
    if (keys.length < 2) continue;
    for (const [layers, units] of sets) {
      if (layers === common) continue;
      for (const k of units)
        out.units
          .find((u) => u.key === k)
          ?.problems.push(
            `${group.split('/')[1]}: layers ${layers}, other units of ${group.split('/')[0]} have ${common}`,
          );
    }
  }
  for (const u of out.units) if (u.problems.length > 0) u.status = 'damaged';
}

/** Files below parts/ that no unit lists, and temp files anywhere in the run. */
async function checkStray(runDir: string, manifest: Manifest, out: RunCheck): Promise<void> {
  const listed = new Set(Object.values(manifest.units).flatMap((u: UnitEntry) => u.files));
  let entries;
  try {
    entries = await readdir(runDir, { recursive: true, withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name)
      .slice(runDir.length + 1)
      .split('\\')
      .join('/');
    if (tempFilePid(e.name) !== null) out.temps.push(rel);
    else if (rel.startsWith('parts/') && !listed.has(rel))
      out.stray.push(`${rel}: not in the manifest (ignored by readers)`);
  }
  out.temps.sort();
  out.stray.sort();
}

/**
 * Checks every file of a run whose manifest is readable: run files, every done unit's parts (hash,
 * Arrow structure, schema version, provenance, rows, unit identity, layers), and what lies around.
 * Example: `const check = await checkRun('runs/x', manifest); check.units.filter((u) => u.status === 'damaged')`.
 */
export async function checkRun(runDir: string, manifest: Manifest): Promise<RunCheck> {
  await assertRunFolder(runDir);
  const out: RunCheck = { run_files: [], units: [], stray: [], temps: [], bytes: 0, sound: new Map() };
  await checkRunFiles(runDir, manifest, out);
  await checkUnits(runDir, manifest, out);
  await checkStray(runDir, manifest, out);
  return out;
}
