import type { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { readFileText } from './local-files.ts';
import { parseOrFail } from './manifest.ts';

/**
 * JSON text validated by `schema`; invalid JSON or a failing field is E_CONFIG_INVALID naming `what`
 * (a file, or a file and a field inside it) and the field. Example:
 * `parseJson(text, PlanSchema, 'plan.json')`.
 */
export function parseJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AccLensError('E_CONFIG_INVALID', `${what} is not valid JSON: ${(error as Error).message}`);
  }
  return parseOrFail(schema, value, what);
}

/**
 * A JSON file validated by `schema`: missing → E_FILE_NOT_FOUND (with `fix`), invalid → E_CONFIG_INVALID
 * naming the file and the field. Example: `await readJsonFile('ground-truth.json', GroundTruthSchema)`.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, what = 'file', fix?: string): Promise<T> {
  return parseJson(await readFileText(path, what, fix), schema, path);
}
