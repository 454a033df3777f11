import { z } from 'zod';
import { AccLensError } from '../../../errors.ts';

export type Json = Record<string, unknown>;
export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Message content as tools write it: a string, null, or a list of parts `{type: "text", text}`. */
export const ContentSchema = z
  .union([z.string(), z.null(), z.array(z.union([z.string(), z.looseObject({ text: z.string().nullish() })]))], {
    error: 'expected a string, null or a list of {text} parts',
  })
  .optional();

/** An OpenAI-style tool call; `arguments` is a JSON string (sometimes already an object). */
export const ToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  function: z.looseObject({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

/** Text of a content value; parts are joined, null is empty. */
export function text(v: z.infer<typeof ContentSchema> | unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v))
    return v.map((p) => (typeof p === 'string' ? p : isObj(p) ? String(p.text ?? '') : '')).join('');
  return JSON.stringify(v);
}

/** A tool call's arguments as an object when they are JSON, else null. */
export function callArgs(call: ToolCall): Json | null {
  const a = call.function.arguments;
  if (isObj(a)) return a;
  if (typeof a !== 'string') return null;
  try {
    const v: unknown = JSON.parse(a);
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Validates a parsed trajectory against its format's schema; a wrong field type is E_JSONL_INVALID
 * naming the file (and line) and the field path, never an internal error.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: string, format: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  let got: unknown = value;
  for (const key of issue?.path ?? [])
    got = isObj(got) || Array.isArray(got) ? (got as Json)[key as string] : undefined;
  const kind = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  throw new AccLensError(
    'E_JSONL_INVALID',
    `${where}: ${path}: ${issue?.message ?? 'invalid'}${issue?.message.includes('received') ? '' : ` (got ${kind})`} (reading it as ${format})`,
    `Fix the named field, or pass --format if the file is in another format.`,
  );
}

const DIFF_START = /^(?:diff --git |--- a\/)/m;

/** The unified diff in a submission or observation (from its first `diff --git` / `--- a/` line), or null. */
export function diffIn(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const at = s.search(DIFF_START);
  if (at < 0 || !/^\+\+\+ /m.test(s.slice(at))) return null;
  return s.slice(at);
}

// The task inside an agent's instance prompt: SWE-agent 1.x / mini-swe-agent <pr_description>,
// OpenHands <issue_description>, SWE-agent 0.x "ISSUE:\n…\n\nINSTRUCTIONS:".
const TASK_PATTERNS: [string, RegExp][] = [
  [
    'pr_description',
    /<pr_description>\s*(?:Consider the following PR description:\s*)?([\s\S]*?)\s*<\/pr_description>/,
  ],
  ['issue_description', /<issue_description>\s*([\s\S]*?)\s*<\/issue_description>/],
  ['issue', /<issue>\s*([\s\S]*?)\s*<\/issue>/],
  ['ISSUE:', /(?:^|\n)ISSUE:\n([\s\S]*?)\n+INSTRUCTIONS:/],
];

/** The task statement of an instance prompt and where it came from; the whole prompt when no marker fits. */
export function taskOf(prompt: string): { question: string; from: string } {
  for (const [from, re] of TASK_PATTERNS) {
    const m = re.exec(prompt);
    if (m?.[1] !== undefined && m[1].trim() !== '') return { question: m[1], from };
  }
  return { question: prompt, from: 'prompt' };
}
