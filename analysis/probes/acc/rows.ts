import { z } from 'zod';
import { content } from '../content.ts';
import { makeProbe } from '../generate.ts';
import type { TextProbe } from '../schema.ts';
import type { AccFamily } from './trajectory.ts';

/** A row of the ACC dataset: `dialogs` = [user (compiled context + question), assistant (target)]. */
export const AccRowSchema = z.object({
  dialogs: z.array(z.object({ role: z.string(), content: z.string() })).min(2),
  ground_truth_answer: z.union([z.string(), z.array(z.string()), z.number()]).optional(),
  context_length: z.union([z.string(), z.number()]).optional(),
});
export type AccRow = z.infer<typeof AccRowSchema>;

const DOC_START = /^(?:Document|Doc|File|Table|Passage)\s*\[?\d+\]?|^\[\d+\]/gm;

/**
 * ACC row → probe. The compiled context's layout is not documented publicly, so evidence is found
 * HEURISTICALLY: the context is split into documents at lines starting "Document N" / "[N]" (else at
 * blank lines); documents containing the ground-truth answer (case-insensitive) are evidence, the
 * rest distractors; text after the last "Question:" is the question.
 */
export function importAccRow(row: AccRow, family: AccFamily, id: string, source: string): TextProbe {
  const user = row.dialogs.find((d) => d.role === 'user')?.content.normalize('NFC') ?? '';
  const target =
    [...row.dialogs]
      .reverse()
      .find((d) => d.role === 'assistant')
      ?.content.normalize('NFC') ?? '';
  const truth = Array.isArray(row.ground_truth_answer)
    ? row.ground_truth_answer
    : row.ground_truth_answer === undefined
      ? []
      : [String(row.ground_truth_answer)];
  const qAt = user.lastIndexOf('Question:');
  const contextEnd = qAt >= 0 ? qAt : user.length;
  const starts = [...user.slice(0, contextEnd).matchAll(DOC_START)].map((m) => m.index);
  const bounds =
    starts.length >= 2 ? starts : [...user.slice(0, contextEnd).matchAll(/\n\s*\n/g)].map((m) => m.index + m[0].length);
  const c = content(0);
  let at = 0;
  let nEvidence = 0;
  let nPieces = 0;
  const cuts = [...bounds.filter((b) => b > 0), contextEnd];
  for (const end of cuts) {
    if (end <= at) continue;
    const piece = user.slice(at, end);
    if (nPieces === 0 && starts.length >= 2 && !DOC_START.test(piece.slice(0, 20)))
      c.mark('instruction', 'preamble', piece);
    else {
      const hit = truth.some((t) => t.trim() !== '' && piece.toLowerCase().includes(t.trim().toLowerCase()));
      nEvidence += hit ? 1 : 0;
      c.mark(hit ? 'evidence' : 'distractor', `piece ${nPieces + 1}`, piece);
    }
    DOC_START.lastIndex = 0;
    nPieces++;
    at = end;
  }
  if (qAt >= 0) c.mark('question', 'question', user.slice(qAt));
  return makeProbe({
    id,
    family,
    messages: [{ role: 'user', content: c.text() }],
    segments: c.segments(),
    answer: target,
    source,
    metadata: {
      context_length: row.context_length ?? null,
      ground_truth_answer: row.ground_truth_answer ?? null,
      n_pieces: nPieces,
      n_evidence: nEvidence,
      evidence_found: nEvidence > 0,
      evidence_located: 'heuristic',
    },
  });
}
