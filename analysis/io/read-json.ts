import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { AccLensError } from '../errors.ts';

/**
 * Reads a JSON file and validates it with `schema`; null when the file does not exist. Invalid
 * JSON or a failing field is E_CONFIG_INVALID naming the file and the field.
 */
export async function readJsonIfExists<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AccLensError('E_FILE_NOT_FOUND', `${path} cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `${path} is not valid JSON (${(error as Error).message})`,
      'Fix or recreate the file.',
    );
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AccLensError(
    'E_CONFIG_INVALID',
    `${path}: field "${issue?.path.map(String).join('.') || '(root)'}": ${issue?.message ?? 'invalid'}`,
    'Fix the named field or recreate the file.',
  );
}
