import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/**
 * The most specific issue: inside a union, the branch that got furthest (longest path) decides; among
 * equally deep ones, the branch with the fewest issues (the one the input nearly matched).
 */
function deepest(issue: Issue, prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: Issue; misses: number } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const candidates = issue.errors.flatMap((branch) =>
      branch.map((i) => ({ ...deepest(i, path), misses: branch.length })),
    );
    return candidates.reduce((best, c) =>
      c.path.length > best.path.length || (c.path.length === best.path.length && c.misses < best.misses) ? c : best,
    );
  }
  return { path, issue, misses: 1 };
}

/**
 * `field "a.b": message` for the first issue of a zod error, naming the field even when the schema is
 * a union (zod reports those at the root as "Invalid input"). Example:
 * `zodIssueText(ProbeSchema.safeParse(row).error!)` → `field "segments.0.token_end": expected number`.
 */
export function zodIssueText(error: z.ZodError): string {
  const first = zodFirstIssue(error);
  return first === null ? 'invalid' : `field "${first.field || '(root)'}": ${first.message}`;
}

/** The first issue's field path (`a.b`, '' at the root) and message, the most specific branch of a union. */
export function zodFirstIssue(error: z.ZodError): { field: string; message: string } | null {
  const first = error.issues[0];
  if (first === undefined) return null;
  const { path, issue } = deepest(first);
  return { field: path.map(String).join('.'), message: issue.message };
}
