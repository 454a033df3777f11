import { AccLensError } from '../errors.ts';
import { isObj } from './acc/formats/common.ts';
import {
  describeValue,
  detectDocument,
  TRAJECTORY_FORMATS,
  unknownFormat,
  type TrajectoryFormat,
} from './acc/formats/detect.ts';
import { jsonErrorWhere, parseJsonAt } from './json-text.ts';

export const ROW_FORMATS = ['mrcr', 'graphwalks', 'acc-rows', 'probes'] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];
export const IMPORT_FORMATS = [...ROW_FORMATS, ...TRAJECTORY_FORMATS] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const isRowFormat = (f: string | undefined): f is RowFormat =>
  (ROW_FORMATS as readonly string[]).includes(f ?? '');

/** The row format a JSON object's keys announce, if any. */
export function rowFormat(keys: string[]): RowFormat | null {
  if (keys.includes('random_string_to_prepend')) return 'mrcr';
  if (keys.includes('answer_nodes')) return 'graphwalks';
  if (keys.includes('dialogs')) return 'acc-rows';
  if (keys.includes('schema') && keys.includes('family')) return 'probes';
  return null;
}

/** What a text file holds and how to read it. */
export type Classified =
  | { kind: 'rows'; format: RowFormat }
  | { kind: 'row'; format: RowFormat; value: unknown }
  | { kind: 'document'; format: Exclude<TrajectoryFormat, 'react'>; value: unknown }
  | { kind: 'jsonl'; format: Exclude<TrajectoryFormat, 'react'> }
  | { kind: 'react' };

/**
 * Decides how to read a text input: ReAct text; one JSON document (a trajectory, or a single row);
 * or JSONL (rows, or one trajectory per line: OpenHands `output.jsonl`, chat logs). The format is
 * detected when not given. Invalid JSON is E_JSONL_INVALID at file:line:column whether or not
 * `--format` was passed; E_FORMAT_UNKNOWN only for valid input in no known shape.
 */
export function classify(text: string, file: string, format?: ImportFormat): Classified {
  const trimmed = text.trimStart();
  if (trimmed === '') throw new AccLensError('E_FORMAT_UNKNOWN', `${file}: the file is empty`);
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  if (format === 'react' || (format === undefined && !looksJson)) return { kind: 'react' };
  if (!looksJson)
    throw new AccLensError(
      'E_JSONL_INVALID',
      `${jsonErrorWhere(text, file)}: --format ${format} expects JSON, but the file starts with ${JSON.stringify(trimmed.slice(0, 20))}`,
    );
  let doc: unknown;
  let whole = true;
  try {
    doc = JSON.parse(text);
  } catch {
    whole = false;
  }
  if (whole) {
    const rows = isRowFormat(format) ? format : format === undefined && isObj(doc) ? rowFormat(Object.keys(doc)) : null;
    if (rows !== null) return { kind: 'row', format: rows, value: doc };
    const f = format ?? detectDocument(doc);
    if (f === null) throw unknownFormat(file, describeValue(doc));
    return { kind: 'document', format: f as Exclude<TrajectoryFormat, 'react'>, value: doc };
  }
  // Not one document: JSONL if some line is a JSON value on its own (the first such line decides the
  // format, so --skip-bad can pass over a broken first line); otherwise the syntax error of the whole.
  const lines = text.split('\n');
  let first: { line: number; value: unknown } | null = null;
  for (let i = 0; i < lines.length && first === null; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    try {
      const v: unknown = JSON.parse(raw);
      // Only a non-empty object or array counts: a pretty-printed document has lines like `  42`.
      if ((isObj(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0))
        first = { line: i + 1, value: v };
    } catch {
      // a broken line: parsed (and reported) line by line later
    }
  }
  if (first === null || lines.filter((l) => l.trim() !== '').length < 2) parseJsonAt(text, file);
  const value = (first as { value: unknown }).value;
  const rows = isRowFormat(format)
    ? format
    : format === undefined && isObj(value)
      ? rowFormat(Object.keys(value))
      : null;
  if (rows !== null) return { kind: 'rows', format: rows };
  const f = format ?? detectDocument(value);
  if (f === null) throw unknownFormat(`${file}:${first?.line}`, describeValue(value));
  return { kind: 'jsonl', format: f as Exclude<TrajectoryFormat, 'react'> };
}
