import { mergeViews, patchedFiles, viewedFile } from './file-views.ts';
import type { AccFamily, Trajectory, TrajectoryStep } from './trajectory.ts';

/** A self-contained piece of context cut from a trajectory's observations. */
export interface Piece {
  kind: 'evidence' | 'distractor';
  label: string;
  text: string;
}

const VISIT = /^(visit|fetch|open_url|open_page|browse|read_page|get_page|click|lookup|scrape)/i;
const SEARCH = /search/i;
const URL = /https?:\/\/[^\s)\]"']+/g;
// Tool answers that carry no content (ReAct Lookup past the last hit, a malformed call).
const NOTHING = /^(?:No more results\.?|Invalid action:.*)?$/;

/** Search: visited pages are evidence; results of searches whose URL was never visited are distractors. */
function searchPieces(steps: TrajectoryStep[]): Piece[] {
  const visited = new Set<string>();
  const pieces: Piece[] = [];
  for (const s of steps) {
    if (NOTHING.test(s.observation.trim())) continue;
    if (VISIT.test(s.tool)) {
      for (const u of s.args.match(URL) ?? []) visited.add(u);
      pieces.push({ kind: 'evidence', label: s.args.match(URL)?.[0] ?? `${s.tool}[${s.args}]`, text: s.observation });
    } else if (s.tool === 'Search') {
      // ReAct: Search[entity] returns the entity's page, or "Could not find … Similar: […]" (a result list).
      const found = !/^Could not find/i.test(s.observation.trim());
      pieces.push({ kind: found ? 'evidence' : 'distractor', label: `Search[${s.args}]`, text: s.observation });
    }
  }
  for (const s of steps) {
    if (!SEARCH.test(s.tool) || s.tool === 'Search') continue;
    for (const block of s.observation.split(/\n\s*\n/)) {
      const urls = block.match(URL) ?? [];
      if (block.trim() === '' || urls.some((u) => visited.has(u))) continue;
      pieces.push({ kind: 'distractor', label: urls[0] ?? `result of ${s.tool}`, text: block.trim() });
    }
  }
  return pieces;
}

/**
 * SWE: files in the final patch are evidence, files inspected but not patched distractors; several
 * views of one file become one piece (numbered windows merged line by line, else the longest view).
 */
function swePieces(t: Trajectory): Piece[] {
  const patched = patchedFiles(t.patch ?? '');
  const byFile = new Map<string, string>();
  for (const s of t.steps) {
    const file = viewedFile(s);
    if (file === null || s.observation.trim() === '') continue;
    const seen = byFile.get(file);
    byFile.set(file, seen === undefined ? s.observation : mergeViews(seen, s.observation));
  }
  const isPatched = (f: string): boolean =>
    [...patched].some((p) => p === f || p.endsWith(`/${f}`) || f.endsWith(`/${p}`));
  return [...byFile].map(([file, text]) => ({ kind: isPatched(file) ? 'evidence' : 'distractor', label: file, text }));
}

/** Table names a SQL statement reads. */
export function sqlTables(sql: string): string[] {
  return [...new Set([...sql.matchAll(/\b(?:from|join)\s+["`[]?(\w+)/gi)].map((m) => (m[1] as string).toLowerCase()))];
}

/**
 * SQL: the contents of the tables the final query reads are evidence; tables only explored by
 * earlier queries are distractors (our reading of "the queried tables").
 */
function sqlPieces(steps: TrajectoryStep[]): Piece[] {
  const queries = steps.filter((s) => /sql|query|execute/i.test(s.tool) || /^\s*select\s/i.test(s.args));
  const final = new Set(sqlTables(queries.at(-1)?.args ?? ''));
  return queries
    .filter((s) => s.observation.trim() !== '')
    .map((s) => {
      const tables = sqlTables(s.args);
      return {
        kind: tables.some((t) => final.has(t)) ? 'evidence' : 'distractor',
        label: tables.join(', ') || s.args.slice(0, 60),
        text: s.observation,
      };
    });
}

/** The evidence and distractor pieces of a trajectory, per ACC's rule for its family. */
export function extractPieces(t: Trajectory, family: AccFamily): Piece[] {
  if (family === 'acc_search') return searchPieces(t.steps);
  if (family === 'acc_swe') return swePieces(t);
  return sqlPieces(t.steps);
}
