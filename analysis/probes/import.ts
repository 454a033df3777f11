import { AccLensError } from '../errors.ts';
import { compileTrajectory } from './acc/compile.ts';
import { parseDocument, parseReact, type TrajectoryFormat } from './acc/formats/detect.ts';
import { AccRowSchema, importAccRow } from './acc/rows.ts';
import { ACC_FAMILIES, inferFamily, type AccFamily, type Trajectory } from './acc/trajectory.ts';
import {
  classify,
  IMPORT_FORMATS,
  isRowFormat,
  rowFormat,
  ROW_FORMATS,
  type ImportFormat,
  type RowFormat,
} from './classify.ts';
import { GraphwalksRowSchema, importGraphwalksRow } from './graphwalks/import.ts';
import { jsonErrorWhere, syntaxMessage } from './json-text.ts';
import { describeIssue, parseJsonl, type BadLine } from './jsonl.ts';
import { MrcrRowSchema, importMrcrRow } from './mrcr/import.ts';
import { readParquetRows } from './mrcr/parquet.ts';
import { nfcProbe, nfcTrajectory } from './nfc.ts';
import { ProbeSchema, type Probe } from './schema.ts';
import { checkSizes, DEFAULT_MAX_TOKENS } from './size.ts';

export { IMPORT_FORMATS, ROW_FORMATS, type ImportFormat };

export interface ImportOptions {
  format?: ImportFormat;
  family?: AccFamily;
  skipBad?: boolean;
  seed?: number;
  /** Size guard: trajectories are compiled under it (distractors dropped first); probes still over it are left out. */
  maxTokens?: number;
}

export interface ImportResult {
  format: ImportFormat;
  probes: Probe[];
  bad: BadLine[];
  /** Probes kept although their evidence was not found (flagged `evidence_found: false`). */
  evidence_missing: number;
  /** Trajectory probes whose source gave no final answer or patch (empty target, `answer_found: false`). */
  answer_missing: number;
  /** Probes estimated over the limit: left out when `maxTokens` was given, else kept. */
  over_limit: { id: string; tokens: number }[];
  /** The limit applied (`maxTokens`, else DEFAULT_MAX_TOKENS) and whether probes over it were left out. */
  max_tokens: number;
  left_out: boolean;
}

const SCHEMAS = { mrcr: MrcrRowSchema, graphwalks: GraphwalksRowSchema, 'acc-rows': AccRowSchema, probes: ProbeSchema };

function rowProbe(format: RowFormat, value: unknown, id: string, source: string, options: ImportOptions): Probe {
  if (format === 'mrcr') return importMrcrRow(MrcrRowSchema.parse(value), id, source);
  if (format === 'graphwalks') return importGraphwalksRow(GraphwalksRowSchema.parse(value), id, source);
  if (format === 'acc-rows') return importAccRow(AccRowSchema.parse(value), options.family ?? 'acc_search', id, source);
  return nfcProbe(ProbeSchema.parse(value));
}

/** Rows validated against their format's schema (E_JSONL_INVALID naming row and field, or collected with skipBad). */
function validRows(format: RowFormat, rows: { line: number; value: unknown }[], file: string, options: ImportOptions) {
  const bad: BadLine[] = [];
  const good: { line: number; value: unknown }[] = [];
  for (const r of rows) {
    const parsed = SCHEMAS[format].safeParse(r.value);
    if (parsed.success) good.push(r);
    else {
      const b = { file, line: r.line, message: `row ${r.line}: ${describeIssue(parsed.error)}` };
      if (options.skipBad !== true) throw new AccLensError('E_JSONL_INVALID', `${file}: ${b.message}`);
      bad.push(b);
    }
  }
  return { good, bad };
}

/** One probe per trajectory; ids and sources name the JSONL line and the episode when a file holds several. */
function compileAll(
  items: { line: number | null; trajectories: Trajectory[] }[],
  format: TrajectoryFormat,
  file: string,
  options: ImportOptions,
): Probe[] {
  const base = file.split('/').at(-1) ?? file;
  const single = items.length === 1 && items[0]?.line === null && items[0].trajectories.length === 1;
  return items.flatMap(({ line, trajectories }) =>
    trajectories.map((raw, k) => {
      const t = nfcTrajectory(raw);
      const family = options.family ?? inferFamily(t);
      const where = `${line === null ? '' : `:${line}`}${trajectories.length > 1 ? `#${k + 1}` : ''}`;
      return compileTrajectory(t, family, {
        id: single ? `${family}-${base}` : `${family}-${base}${where}`,
        source: `import:${format}:${file}${where}`,
        seed: options.seed ?? 0,
        ...(options.maxTokens !== undefined ? { tokens: options.maxTokens } : {}),
      });
    }),
  );
}

/** One trajectory per JSONL line (OpenHands output.jsonl, chat logs); bad lines throw or, with skipBad, are collected. */
function jsonlTrajectories(
  text: string,
  file: string,
  format: Exclude<TrajectoryFormat, 'react'>,
  options: ImportOptions,
) {
  const items: { line: number; trajectories: Trajectory[] }[] = [];
  const bad: BadLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new AccLensError('E_JSONL_INVALID', `${jsonErrorWhere(raw, file, i + 1)}: ${syntaxMessage(error)}`);
      }
      items.push({ line: i + 1, trajectories: [parseDocument(value, format, `${file}:${i + 1}`)] });
    } catch (error) {
      if (!(error instanceof AccLensError) || error.code !== 'E_JSONL_INVALID' || options.skipBad !== true) throw error;
      bad.push({ file, line: i + 1, message: error.message.slice(file.length + 1) });
    }
  });
  return { items, bad };
}

async function collect(file: string, bytes: Uint8Array, options: ImportOptions) {
  const rowsToProbes = (format: RowFormat, rows: { line: number; value: unknown }[], withLine: boolean) =>
    rows.map(({ line, value }) => {
      const base = file.split('/').at(-1) ?? file;
      return rowProbe(
        format,
        value,
        `${base}:${line}`,
        `import:${format}:${file}${withLine ? `:${line}` : ''}`,
        options,
      );
    });
  if (file.endsWith('.parquet')) {
    const objects = await readParquetRows(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    const format = options.format ?? rowFormat(Object.keys(objects[0] ?? {})) ?? undefined;
    if (!isRowFormat(format))
      throw new AccLensError('E_FORMAT_UNKNOWN', `${file}: Parquet holds rows; pass --format ${ROW_FORMATS.join('|')}`);
    const { good, bad } = validRows(
      format,
      objects.map((value, i) => ({ line: i + 1, value })),
      file,
      options,
    );
    return { format, probes: rowsToProbes(format, good, true), bad };
  }
  const text = new TextDecoder().decode(bytes);
  const c = classify(text, file, options.format);
  if (c.kind === 'rows') {
    const { rows, bad } = parseJsonl(text, file, SCHEMAS[c.format], options.skipBad ?? false);
    return { format: c.format, probes: rowsToProbes(c.format, rows, true), bad };
  }
  if (c.kind === 'row') {
    const { good, bad } = validRows(c.format, [{ line: 1, value: c.value }], file, options);
    return { format: c.format, probes: rowsToProbes(c.format, good, true), bad };
  }
  if (c.kind === 'react') {
    const items = [{ line: null, trajectories: parseReact(text, file) }];
    return { format: 'react' as const, probes: compileAll(items, 'react', file, options), bad: [] };
  }
  if (c.kind === 'document') {
    const items = [{ line: null, trajectories: [parseDocument(c.value, c.format, file)] }];
    return { format: c.format, probes: compileAll(items, c.format, file, options), bad: [] };
  }
  const { items, bad } = jsonlTrajectories(text, file, c.format, options);
  return { format: c.format, probes: compileAll(items, c.format, file, options), bad };
}

/**
 * Imports a file of benchmark rows (MRCR / GraphWalks as JSONL or Parquet, ACC-dataset JSONL,
 * probe JSONL) or agent trajectories (one per file, per JSONL line, or per ReAct episode); the
 * format is detected when not given. All text is NFC. Inputs are read, never modified.
 * Example: `await importProbes('rows.parquet', bytes)`.
 */
export async function importProbes(
  file: string,
  bytes: Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const { format, probes, bad } = await collect(file, bytes, options);
  const sizes = checkSizes(probes, options.maxTokens);
  return {
    format,
    probes: sizes.kept,
    bad,
    evidence_missing: sizes.kept.filter((p) => p.metadata.evidence_found === false).length,
    answer_missing: sizes.kept.filter((p) => p.metadata.answer_found === false).length,
    over_limit: sizes.over,
    max_tokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    left_out: options.maxTokens !== undefined,
  };
}

export { ACC_FAMILIES };
