import { content } from '../content.ts';
import { estimateTokens } from '../estimate.ts';
import { familyHeader, MIN_EVIDENCE_DISTANCE } from '../families.ts';
import { generateSet, makeProbe, type GenerateOptions } from '../generate.ts';
import type { Rng } from '../prng.ts';
import type { TextProbe } from '../schema.ts';
import { evidenceEdges, solve, type Edge, type GraphOperation } from './graph.ts';
import { CLOSING, finalAnswer, GRAPH_INTRO, INSTRUCTIONS, operationText } from './prompt.ts';

const hexId = (rng: Rng): string => Array.from({ length: 10 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');

function randomGraph(rng: Rng, nEdges: number): Edge[] {
  const nodes = Array.from({ length: Math.max(4, Math.round(nEdges / 1.6)) }, () => hexId(rng));
  const edges: Edge[] = [];
  for (let i = 0; i < nEdges; i++) edges.push({ src: rng.pick(nodes), dst: rng.pick(nodes) });
  return edges;
}

function pickOperation(rng: Rng, edges: Edge[], index: number): GraphOperation {
  for (let attempt = 0; attempt < 50; attempt++) {
    const op: GraphOperation =
      index % 2 === 0
        ? { type: 'parents', node: rng.pick(edges).dst }
        : { type: 'bfs', start: rng.pick(edges).src, depth: rng.int(2, 3) };
    const n = solve(edges, op).length;
    if (n >= 1 && n <= 30) return op;
  }
  return { type: 'parents', node: rng.pick(edges).dst };
}

function exampleBlock(rng: Rng): string {
  const edges = randomGraph(rng, 8);
  const op: GraphOperation = { type: 'parents', node: (edges[0] as Edge).dst };
  return `Here is an example:\n<begin example>\nThe graph has the following edges:\n${edges.map((e) => `${e.src} -> ${e.dst}`).join('\n')}\n\n${operationText(op)}\n${finalAnswer(solve(edges, op))}\n<end example>\n\n`;
}

/** Moves evidence edges out of the last `tail` lines (swapping with plain edges), so evidence ends >= 100 tokens before the operation. */
function keepTailPlain(edges: Edge[], evidence: Set<Edge>, tail: number): Edge[] {
  const TAIL_LINES = Math.min(tail, edges.length);
  const out = edges.slice();
  let free = 0;
  for (let i = Math.max(0, out.length - TAIL_LINES); i < out.length; i++) {
    if (!evidence.has(out[i] as Edge)) continue;
    while (free < out.length - TAIL_LINES && evidence.has(out[free] as Edge)) free++;
    if (free >= out.length - TAIL_LINES) break;
    [out[free], out[i]] = [out[i] as Edge, out[free] as Edge];
  }
  return out;
}

/** One GraphWalks-shaped probe of about `tokens` tokens: parents on even indices, BFS on odd ones. */
export function makeGraphwalksProbe(rng: Rng, tokens: number, index: number): TextProbe {
  const example = exampleBlock(rng);
  const header = familyHeader('graphwalks') + INSTRUCTIONS;
  const sample = Array.from({ length: 64 }, () => `${hexId(rng)} -> ${hexId(rng)}\n`).join('');
  // The estimator undercounts hex ids by about 3.5% (measured against the Qwen3 tokenizer).
  const perEdge = (estimateTokens(sample) / 64) * 1.035;
  const fixed = estimateTokens(header + example + GRAPH_INTRO + CLOSING) + 60;
  const edges = randomGraph(rng, Math.max(12, Math.floor((tokens - fixed) / perEdge)));
  const op = pickOperation(rng, edges, index);
  const answerNodes = solve(edges, op);
  const evidence = new Set(evidenceEdges(edges, op));
  const ordered = keepTailPlain(edges, evidence, Math.ceil((MIN_EVIDENCE_DISTANCE + 20) / perEdge));
  const c = content(0);
  c.mark('instruction', 'instructions', header);
  c.mark('other', 'example', example);
  c.add(GRAPH_INTRO);
  ordered.forEach((e, i) => {
    const line = `${e.src} -> ${e.dst}`;
    if (evidence.has(e)) c.mark('evidence', `edge ${i + 1}`, line);
    else c.add(line);
    c.add('\n');
  });
  c.add('\n');
  c.mark('question', 'operation', operationText(op) + CLOSING);
  return makeProbe({
    id: `graphwalks-${op.type}-${index}`,
    family: 'graphwalks',
    messages: [{ role: 'user', content: c.text() }],
    segments: c.segments(),
    answer: finalAnswer(answerNodes),
    source: 'generated:graphwalks',
    metadata: {
      problem_type: op.type,
      answer_nodes: answerNodes,
      n_edges: edges.length,
      n_evidence_edges: evidence.size,
      target_tokens: tokens,
      evidence_found: evidence.size > 0,
    },
  });
}

/** `n` GraphWalks probes of about `tokens` tokens, deterministic for `seed`. */
export function generateGraphwalks(options: GenerateOptions): TextProbe[] {
  return generateSet(makeGraphwalksProbe, options);
}
