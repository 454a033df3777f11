import type { z } from 'zod';
import { AccLensError } from '../errors.ts';
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

/** "prompt: expected string" from the first zod issue. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  return `${issue.path.length > 0 ? issue.path.join('.') : '(row)'}: ${issue.message}`;
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
