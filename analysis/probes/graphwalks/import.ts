import { z } from 'zod';
import { content } from '../content.ts';
import { makeProbe } from '../generate.ts';
import type { TextProbe } from '../schema.ts';
import { evidenceEdges, parseEdges, parseOperation, solve, type Edge } from './graph.ts';
import { finalAnswer } from './prompt.ts';

/** One row of openai/graphwalks. */
export const GraphwalksRowSchema = z.object({
  prompt: z.string(),
  answer_nodes: z.array(z.string()),
  problem_type: z.enum(['bfs', 'parents']),
  prompt_chars: z.coerce.number().int().optional(),
});
export type GraphwalksRow = z.infer<typeof GraphwalksRowSchema>;

/**
 * Official row → probe: the example block is marked `other` (its edges are not the graph), the
 * graph after "Here is the graph to operate on:" is parsed, the answer recomputed and compared,
 * and every line holding an evidence edge (duplicates included) is marked evidence.
 */
export function importGraphwalksRow(row: GraphwalksRow, id: string, source: string): TextProbe {
  const prompt = row.prompt.normalize('NFC');
  const exampleStart = prompt.indexOf('<begin example>');
  const exampleEnd = prompt.indexOf('<end example>');
  const graphAt = prompt.indexOf('Here is the graph to operate on:', exampleEnd >= 0 ? exampleEnd : 0);
  const opAt = prompt.lastIndexOf('Operation:');
  const graphText = graphAt >= 0 ? prompt.slice(graphAt, opAt > graphAt ? opAt : undefined) : '';
  const edges = parseEdges(graphText);
  const op = parseOperation(opAt >= 0 ? prompt.slice(opAt) : '');
  const evidence = op === null ? [] : evidenceEdges(edges, op);
  const evidenceKeys = new Set(evidence.map((e: Edge) => `${e.src}->${e.dst}`));
  const recomputed = op === null ? null : solve(edges, op);
  const c = content(0);
  let at = 0;
  const addUntil = (end: number): void => {
    if (end > at) c.add(prompt.slice(at, end));
    at = Math.max(at, end);
  };
  if (exampleStart >= 0 && exampleEnd > exampleStart) {
    addUntil(exampleStart);
    c.mark('other', 'example', prompt.slice(exampleStart, exampleEnd + '<end example>'.length));
    at = exampleEnd + '<end example>'.length;
  }
  if (graphAt >= 0) {
    addUntil(graphAt);
    const graphEnd = opAt > graphAt ? opAt : prompt.length;
    let lineStart = graphAt;
    for (const line of prompt.slice(graphAt, graphEnd).split('\n')) {
      const m = line.match(/^\s*([0-9a-fA-F]+)\s*->\s*([0-9a-fA-F]+)\s*$/);
      if (m !== null && evidenceKeys.has(`${m[1]}->${m[2]}`)) {
        addUntil(lineStart);
        c.mark('evidence', `edge ${m[1]} -> ${m[2]}`, line);
        at = lineStart + line.length;
      }
      lineStart += line.length + 1;
    }
  }
  if (opAt >= 0) {
    addUntil(opAt);
    c.mark('question', 'operation', prompt.slice(opAt));
    at = prompt.length;
  }
  addUntil(prompt.length);
  const same = recomputed !== null && recomputed.join(',') === [...row.answer_nodes].sort().join(',');
  return makeProbe({
    id,
    family: 'graphwalks',
    messages: [{ role: 'user', content: c.text() }],
    segments: c.segments(),
    answer: finalAnswer(row.answer_nodes),
    source,
    metadata: {
      problem_type: row.problem_type,
      answer_nodes: row.answer_nodes,
      recomputed_answer: recomputed,
      answer_matches: same,
      n_edges: edges.length,
      n_evidence_edges: evidence.length,
      n_self_loops: edges.filter((e) => e.src === e.dst).length,
      n_duplicate_edges: edges.length - new Set(edges.map((e) => `${e.src}->${e.dst}`)).size,
      evidence_found: evidence.length > 0 || (recomputed !== null && recomputed.length === 0),
      prompt_chars: row.prompt_chars ?? null,
    },
  });
}
