import type { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { zodFirstIssue } from '../schema/zod-issue.ts';
import { jsonErrorWhere, syntaxMessage } from './json-text.ts';

export interface BadLine {
  file: string;
  line: number;
  message: string;
}

export interface JsonlResult<T> {
  rows: { line: number; value: T }[];
  bad: BadLine[];
}

/** "prompt: expected string" from the first zod issue; inside a union, the branch that got furthest names the field. */
export function describeIssue(error: z.ZodError): string {
  const issue = zodFirstIssue(error);
  if (issue === null) return 'invalid';
  return `${issue.field || '(row)'}: ${issue.message}`;
}

/**
 * Parses JSONL text line by line against a schema. A bad line throws E_JSONL_INVALID naming
 * file:line and the field (file:line:column for a syntax error), unless `skipBad`, which collects it
 * and goes on. Blank lines are skipped.
 */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  skipBad = false,
): JsonlResult<z.infer<S>> {
  const rows: { line: number; value: z.infer<S> }[] = [];
  const bad: BadLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    let message: string;
    let where = `${file}:${i + 1}`;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      if (parsed.success) {
        rows.push({ line: i + 1, value: parsed.data });
        continue;
      }
      message = describeIssue(parsed.error);
    } catch (error) {
      message = syntaxMessage(error);
      where = jsonErrorWhere(lines[i] as string, file, i + 1);
    }
    if (!skipBad) throw new AccLensError('E_JSONL_INVALID', `${where}: ${message}`);
    bad.push({
      file,
      line: i + 1,
      message: where === `${file}:${i + 1}` ? message : `${where.slice(file.length + 1)}: ${message}`,
    });
  }
  return { rows, bad };
}
