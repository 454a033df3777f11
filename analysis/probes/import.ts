import { AccLensError } from '../errors.ts';
import { compileTrajectory } from './acc/compile.ts';
import { detectFormat, parseTrajectory, TRAJECTORY_FORMATS, type TrajectoryFormat } from './acc/formats/detect.ts';
import { AccRowSchema, importAccRow } from './acc/rows.ts';
import { ACC_FAMILIES, inferFamily, type AccFamily } from './acc/trajectory.ts';
import { GraphwalksRowSchema, importGraphwalksRow } from './graphwalks/import.ts';
import { describeIssue, parseJsonl, type BadLine } from './jsonl.ts';
import { MrcrRowSchema, importMrcrRow } from './mrcr/import.ts';
import { readParquetRows } from './mrcr/parquet.ts';
import { ProbeSchema, type Probe } from './schema.ts';

export const ROW_FORMATS = ['mrcr', 'graphwalks', 'acc-rows', 'probes'] as const;
export const IMPORT_FORMATS = [...ROW_FORMATS, ...TRAJECTORY_FORMATS] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  format?: ImportFormat;
  family?: AccFamily;
  skipBad?: boolean;
  seed?: number;
}

export interface ImportResult {
  format: ImportFormat;
  probes: Probe[];
  bad: BadLine[];
  /** Probes kept although their evidence was not found (flagged `evidence_found: false`). */
  evidence_missing: number;
}

function rowFormat(keys: string[]): ImportFormat | null {
  if (keys.includes('random_string_to_prepend')) return 'mrcr';
  if (keys.includes('answer_nodes')) return 'graphwalks';
  if (keys.includes('dialogs')) return 'acc-rows';
  if (keys.includes('schema') && keys.includes('family')) return 'probes';
  return null;
}

function firstJsonlKeys(text: string): string[] {
  const line = text.split('\n').find((l) => l.trim() !== '');
  try {
    const v: unknown = JSON.parse(line ?? '');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
  } catch {
    return [];
  }
}

/**
 * Imports a file of benchmark rows (MRCR / GraphWalks as JSONL or Parquet, ACC-dataset JSONL,
 * probe JSONL) or one agent trajectory; the format is detected when not given. Inputs are read,
 * never modified. Example: `await importProbes('rows.parquet', bytes)`.
 */
export async function importProbes(
  file: string,
  bytes: Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const isParquet = file.endsWith('.parquet');
  const text = isParquet ? '' : new TextDecoder().decode(bytes);
  let rows: { line: number; value: unknown }[] = [];
  let format = options.format;
  if (isParquet) {
    const objects = await readParquetRows(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    rows = objects.map((value, i) => ({ line: i + 1, value }));
    format ??= rowFormat(Object.keys(objects[0] ?? {})) ?? undefined;
  } else if (format === undefined) {
    format = rowFormat(firstJsonlKeys(text)) ?? detectFormat(text) ?? undefined;
  }
  if (format === undefined) {
    parseTrajectory(text, file); // throws E_FORMAT_UNKNOWN naming what it saw
    throw new AccLensError('E_FORMAT_UNKNOWN', `${file}: format not recognised`);
  }
  if ((TRAJECTORY_FORMATS as readonly string[]).includes(format)) {
    const t = parseTrajectory(text, file, format as TrajectoryFormat);
    const family = options.family ?? inferFamily(t);
    const probe = compileTrajectory(t, family, {
      id: `${family}-${file.split('/').at(-1)}`,
      source: `import:${format}:${file}`,
      seed: options.seed ?? 0,
    });
    return { format, probes: [probe], bad: [], evidence_missing: probe.metadata.evidence_found === false ? 1 : 0 };
  }
  const schema =
    format === 'mrcr'
      ? MrcrRowSchema
      : format === 'graphwalks'
        ? GraphwalksRowSchema
        : format === 'acc-rows'
          ? AccRowSchema
          : ProbeSchema;
  let bad: BadLine[] = [];
  if (isParquet) {
    const parsed = rows.map((r) => ({ line: r.line, result: schema.safeParse(r.value) }));
    for (const p of parsed) {
      if (p.result.success) continue;
      const b = { file, line: p.line, message: `row ${p.line}: ${describeIssue(p.result.error)}` };
      if (options.skipBad !== true) throw new AccLensError('E_JSONL_INVALID', `${file}: ${b.message}`);
      bad.push(b);
    }
    rows = parsed.filter((p) => p.result.success).map((p) => ({ line: p.line, value: p.result.data }));
  } else {
    const result = parseJsonl(text, file, schema, options.skipBad ?? false);
    rows = result.rows;
    bad = result.bad;
  }
  const base = file.split('/').at(-1) ?? file;
  const probes: Probe[] = rows.map(({ line, value }) => {
    const id = `${base}:${line}`;
    const source = `import:${format}:${file}:${line}`;
    if (format === 'mrcr') return importMrcrRow(MrcrRowSchema.parse(value), id, source);
    if (format === 'graphwalks') return importGraphwalksRow(GraphwalksRowSchema.parse(value), id, source);
    if (format === 'acc-rows')
      return importAccRow(AccRowSchema.parse(value), options.family ?? 'acc_search', id, source);
    return ProbeSchema.parse(value);
  });
  return { format, probes, bad, evidence_missing: probes.filter((p) => p.metadata.evidence_found === false).length };
}

export { ACC_FAMILIES };
