import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The most specific issue: inside a union, the branch that got furthest (longest path) decides. */
function deepest(issue: Issue, prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: Issue } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const candidates = issue.errors.flatMap((branch) => branch.map((i) => deepest(i, path)));
    return candidates.reduce((best, c) => (c.path.length > best.path.length ? c : best));
  }
  return { path, issue };
}

/**
 * `field "a.b": message` for the first issue of a zod error, naming the field even when the schema is
 * a union (zod reports those at the root as "Invalid input"). Example:
 * `zodIssueText(ProbeSchema.safeParse(row).error!)` → `field "segments.0.token_end": expected number`.
 */
export function zodIssueText(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid';
  const { path, issue } = deepest(first);
  const field = path.map(String).join('.') || '(root)';
  return `field "${field}": ${issue.message}`;
}
