import { content } from '../content.ts';
import { estimateTokens } from '../estimate.ts';
import { ALL_HEADER_WORDS, familyHeader } from '../families.ts';
import { makeProbe } from '../generate.ts';
import { makeRng } from '../prng.ts';
import type { TextProbe } from '../schema.ts';
import { extractPieces, type Piece } from './pieces.ts';
import type { AccFamily, Trajectory } from './trajectory.ts';

const INTRO: Record<AccFamily, string> = {
  acc_search: 'Please reason based on the following documents and answer the question.',
  acc_swe: 'Please reason based on the following repository files and resolve the issue.',
  acc_sql: 'Please reason based on the following database tables and answer the question.',
};
const PIECE_NAME: Record<AccFamily, string> = { acc_search: 'Document', acc_swe: 'File', acc_sql: 'Table' };

export interface CompileOptions {
  id: string;
  source: string;
  seed: number;
  /** Token budget for the whole probe (estimated); distractors are dropped first to fit. */
  tokens?: number;
  metadata?: Record<string, unknown>;
}

/** The target: for SWE the final patch (the agent's closing message is not the solution), else the final answer. */
function targetOf(t: Trajectory, family: AccFamily): { answer: string; from: 'patch' | 'final answer' | 'none' } {
  if (family === 'acc_swe' && t.patch !== null && t.patch !== '') return { answer: t.patch, from: 'patch' };
  if (t.answer !== '') return { answer: t.answer, from: 'final answer' };
  if (t.patch !== null && t.patch !== '') return { answer: t.patch, from: 'patch' };
  return { answer: '', from: 'none' };
}

/**
 * ACC compilation: the trajectory's evidence and distractor pieces, shuffled with the seed and
 * concatenated under the budget, then the question; the final answer is the target. The last piece
 * before the question is a distractor when there is one, so evidence never sits right before it.
 */
export function compileTrajectory(t: Trajectory, family: AccFamily, options: CompileOptions): TextProbe {
  const rng = makeRng(options.seed);
  let pieces = rng.shuffle(extractPieces(t, family));
  const question = `${t.question_label ?? 'Question'}:${t.question.startsWith(' ') ? '' : ' '}${t.question}`;
  const fixed = estimateTokens(familyHeader(family) + INTRO[family] + question) + 20;
  let dropped = 0;
  if (options.tokens !== undefined) {
    const cost = (p: Piece): number => estimateTokens(p.text) + 8;
    let total = fixed + pieces.reduce((n, p) => n + cost(p), 0);
    for (const p of rng.shuffle(pieces.filter((x) => x.kind === 'distractor'))) {
      if (total <= options.tokens) break;
      pieces = pieces.filter((x) => x !== p);
      total -= cost(p);
      dropped++;
    }
  }
  const lastDistractor = pieces.map((p) => p.kind).lastIndexOf('distractor');
  if (lastDistractor >= 0 && pieces.at(-1)?.kind === 'evidence') pieces.push(...pieces.splice(lastDistractor, 1));
  const c = content(0);
  c.mark('instruction', 'header', `${familyHeader(family)}${INTRO[family]}\n\n`);
  pieces.forEach((p, i) => {
    c.mark(p.kind, p.label, `${PIECE_NAME[family]} ${i + 1} (${p.label}):\n${p.text}\n\n`);
  });
  c.mark('question', 'question', question);
  const text = c.text();
  const body = text.slice(familyHeader(family).length);
  const headerWordsInBody = [...ALL_HEADER_WORDS].filter((w) => new RegExp(`\\b${w}\\b`, 'i').test(body));
  const nEvidence = pieces.filter((p) => p.kind === 'evidence').length;
  const target = targetOf(t, family);
  return makeProbe({
    id: options.id,
    family,
    messages: [{ role: 'user', content: text }],
    segments: c.segments(),
    answer: target.answer,
    source: options.source,
    metadata: {
      ...t.extra,
      trajectory_format: t.format,
      n_turns: t.n_turns,
      n_tool_calls: t.steps.length,
      n_evidence: nEvidence,
      n_distractors: pieces.length - nEvidence,
      n_dropped_for_budget: dropped,
      evidence_found: nEvidence > 0,
      header_words_in_body: headerWordsInBody,
      answer_from: target.from,
      answer_found: target.answer !== '',
      ...options.metadata,
    },
  });
}
