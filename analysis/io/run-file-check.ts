import type { Table, Vector } from 'apache-arrow';
import { z } from 'zod';
import { canonicalJson, META } from '../schema/metadata.ts';
import { schemaVersionProblem, type FileRecord, type Manifest } from '../schema/manifest.ts';
import { TABLES, type TableName } from '../schema/tables.ts';
import { manifestProvenance } from './manifest.ts';

/** What a run file must be: which table, (for a part) whose unit, and what the manifest recorded. */
export interface FileExpectation {
  table: TableName;
  unit?: { model: string; probeId: string };
  record?: FileRecord;
}

/** One thing wrong with a file; `version` marks a schema-version problem (E_SCHEMA_VERSION, not damage). */
export interface FileProblem {
  problem: string;
  version?: boolean;
}

const LayersSchema = z.array(z.number().int().min(0));

/**
 * What is wrong with a decoded run file, checked against the manifest: its schema version, table
 * name, columns and provenance (model sha256, probe set, tokenizer, plan); with `deep`, also its row
 * count, that every row's `model`/`probe_id` is the unit's, and that record batch i holds layer
 * `batch_layers[i]` only. Empty when it is fine. Example: `checkArrowTable(manifest, table, { table: 'probes' }, true)`.
 */
export function checkArrowTable(manifest: Manifest, table: Table, e: FileExpectation, deep: boolean): FileProblem[] {
  const meta = table.schema.metadata;
  const problems: FileProblem[] = [];
  const version = schemaVersionProblem(meta.get(META.schemaVersion));
  if (version !== null) return [{ problem: version, version: true }];
  const spec = TABLES[e.table];
  const stored = meta.get(META.table);
  if (stored !== e.table) problems.push({ problem: `holds table "${stored ?? '(none)'}", expected "${e.table}"` });
  const names = table.schema.fields.map((f) => f.name).join(',');
  const wanted = spec.columns.map((c) => c.name).join(',');
  if (names !== wanted) problems.push({ problem: `columns ${names || '(none)'}, expected ${wanted}` });
  const p = manifestProvenance(manifest, e.unit === undefined ? undefined : [e.unit.model]);
  const provenance: [string, string, string][] = [
    [META.modelSha256, canonicalJson(p.models), 'model sha256'],
    [META.probeSetHash, p.probeSetHash, 'probe-set hash'],
    [META.tokenizerSha256, p.tokenizer.sha256, 'tokenizer sha256'],
    [META.plan, canonicalJson(p.plan), 'capture plan'],
  ];
  for (const [key, value, what] of provenance)
    if (meta.get(key) !== value)
      problems.push({ problem: `its ${what} (${clip(meta.get(key))}) is not this run's (${clip(value)})` });
  if (problems.length > 0 || !deep) return problems;
  if (e.record?.rows !== undefined && e.record.rows !== table.numRows)
    problems.push({ problem: `${table.numRows} rows, the manifest recorded ${e.record.rows}` });
  if (e.unit !== undefined) {
    for (const [column, value] of [
      ['model', e.unit.model],
      ['probe_id', e.unit.probeId],
    ] as const) {
      const other = foreignValue(table, column, value);
      if (other !== null) problems.push({ problem: `has rows of ${column} "${other}", not the unit's "${value}"` });
    }
  }
  if (spec.layered) problems.push(...layerProblems(table));
  return problems;
}

/** A value of a dictionary column other than `value`, or null when every row holds `value`. */
function foreignValue(table: Table, column: string, value: string): string | null {
  for (const batch of table.batches) {
    const vector = batch.getChild(column) as Vector | null;
    if (vector === null) return '(column missing)';
    // A part's dictionary holds its one value: checking the dictionary spares a scan of every row.
    const dictionary = vector.data[0]?.dictionary as Vector | undefined;
    if (dictionary?.length === 1 && dictionary.get(0) === value && vector.nullCount === 0) continue;
    for (let i = 0; i < vector.length; i++) {
      const v = vector.get(i) as string | null;
      if (v !== value) return String(v);
    }
  }
  return null;
}

function layerProblems(table: Table): FileProblem[] {
  const raw = table.schema.metadata.get(META.batchLayers);
  if (raw === undefined) return table.numRows === 0 ? [] : [{ problem: `no ${META.batchLayers} metadata` }];
  let layers: number[];
  try {
    layers = LayersSchema.parse(JSON.parse(raw));
  } catch {
    return [{ problem: `${META.batchLayers} is not a list of layers: ${clip(raw)}` }];
  }
  if (layers.length !== table.batches.length)
    return [{ problem: `${table.batches.length} record batches but ${layers.length} layers in ${META.batchLayers}` }];
  for (let i = 1; i < layers.length; i++)
    if (layers[i]! <= layers[i - 1]!) return [{ problem: `${META.batchLayers} ${clip(raw)} is not increasing` }];
  for (const [i, batch] of table.batches.entries()) {
    const column = batch.getChild('layer');
    const values = (column?.toArray() ?? []) as Int16Array;
    const bad = values.findIndex((v) => v !== layers[i]);
    if (bad >= 0)
      return [
        { problem: `record batch ${i} should hold layer ${layers[i]} only, row ${bad} has layer ${values[bad]}` },
      ];
  }
  return [];
}

const clip = (s: string | undefined): string =>
  s === undefined ? '(none)' : s.length > 40 ? `${s.slice(0, 20)}…${s.slice(-12)}` : s;
