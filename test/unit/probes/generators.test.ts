import { describe, expect, it } from 'vitest';
import { generateAcc } from '../../../analysis/probes/acc/generate.ts';
import {
  ALL_HEADER_WORDS,
  familyHeader,
  FAMILY_HEADER_WORDS,
  MIN_EVIDENCE_DISTANCE,
  type TaskFamily,
} from '../../../analysis/probes/families.ts';
import type { GenerateOptions } from '../../../analysis/probes/generate.ts';
import { solve, parseEdges, parseOperation } from '../../../analysis/probes/graphwalks/graph.ts';
import { generateGraphwalks } from '../../../analysis/probes/graphwalks/generate.ts';
import { generateMrcr } from '../../../analysis/probes/mrcr/generate.ts';
import { retrievability } from '../../../analysis/probes/retrievability.ts';
import type { TextProbe } from '../../../analysis/probes/schema.ts';
import { loadTokenizer } from '../../../analysis/tokenize/load.ts';
import { tokenizeProbe, type TokenizedProbe } from '../../../analysis/tokenize/tokenize-probe.ts';

const tokenizer = loadTokenizer();
const GENERATORS: Record<TaskFamily, (o: GenerateOptions) => TextProbe[]> = {
  mrcr: generateMrcr,
  graphwalks: generateGraphwalks,
  acc_search: (o) => generateAcc('acc_search', o),
  acc_swe: (o) => generateAcc('acc_swe', o),
  acc_sql: (o) => generateAcc('acc_sql', o),
};
/** Families whose key/payload tokens serve the content-matching retrieval heads (GraphWalks cannot: hex ids). */
const RETRIEVAL_FAMILIES: TaskFamily[] = ['mrcr', 'acc_search', 'acc_swe', 'acc_sql'];

function checkStructure(p: TextProbe, t: TokenizedProbe, target: number): void {
  const messages = p.messages ?? [];
  expect(messages[0]?.content.startsWith(familyHeader(p.family))).toBe(true);
  // Header words of every family appear nowhere but the header line.
  const body = [
    messages[0]?.content.slice(familyHeader(p.family).length) ?? '',
    ...messages.slice(1).map((m) => m.content),
    p.answer,
  ].join('\n');
  for (const w of ALL_HEADER_WORDS)
    expect(new RegExp(`\\b${w}\\b`, 'i').test(body), `header word "${w}" in body of ${p.id}`).toBe(false);
  // Segments lie inside their turn and never overlap within a turn.
  const byTurn = new Map<number, { start: number; end: number }[]>();
  for (const s of p.segments) {
    expect(s.end).toBeLessThanOrEqual(messages[s.turn]?.content.length ?? -1);
    byTurn.set(s.turn, [...(byTurn.get(s.turn) ?? []), s]);
  }
  for (const list of byTurn.values()) {
    const sorted = list.slice().sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++)
      expect((sorted[i] as { start: number }).start).toBeGreaterThanOrEqual((sorted[i - 1] as { end: number }).end);
  }
  // Token spans decode to the segment text (exactly when aligned; generated text always is).
  for (const s of t.segments) {
    const text = (t.text ?? '').slice(s.char_start ?? 0, s.char_end ?? 0);
    expect(s.aligned, `${p.id} ${s.label} aligned`).toBe(true);
    expect(tokenizer.decode(t.input_ids.subarray(s.token_start, s.token_end))).toBe(text);
  }
  expect(Math.abs(t.n_tokens - target) / target).toBeLessThan(0.05);
  const r = retrievability(t);
  expect(r.evidence_distance).not.toBeNull();
  expect(r.evidence_distance as number).toBeGreaterThanOrEqual(MIN_EVIDENCE_DISTANCE);
}

/** Key and payload word tokens occur only inside evidence, question and answer segments. */
function checkKeysConfined(p: TextProbe, t: TokenizedProbe): void {
  const words = [...((p.metadata.key_words as string[]) ?? []), ...((p.metadata.payload_words as string[]) ?? [])];
  expect(words.length).toBeGreaterThan(0);
  const ids = new Set(words.map((w) => tokenizer.idOf(`Ġ${w}`)));
  const allowed = new Uint8Array(t.n_tokens);
  for (const s of t.segments)
    if (['evidence', 'question', 'answer', 'distractor'].includes(s.kind) || s.label.startsWith('needle request'))
      allowed.fill(1, s.token_start, s.token_end);
  for (let i = 0; i < t.n_tokens; i++)
    if (ids.has(t.input_ids[i]))
      expect(allowed[i], `${p.id}: key token at ${i} outside evidence/question/answer`).toBe(1);
  // Payload words never occur in distractors (MRCR's needle replies share only the topic).
  const payload = new Set(((p.metadata.payload_words as string[]) ?? []).map((w) => tokenizer.idOf(`Ġ${w}`)));
  for (const s of t.segments.filter((x) => x.kind === 'distractor'))
    for (let i = s.token_start; i < s.token_end; i++) expect(payload.has(t.input_ids[i])).toBe(false);
}

describe.each(Object.keys(GENERATORS) as TaskFamily[])('%s generator', (family) => {
  const generate = GENERATORS[family];
  const probes = generate({ n: 3, tokens: 1000, seed: 11 });

  it('is deterministic for a seed, differs across seeds, and probe i does not depend on n', () => {
    expect(JSON.stringify(generate({ n: 3, tokens: 1000, seed: 11 }))).toBe(JSON.stringify(probes));
    expect(JSON.stringify(generate({ n: 3, tokens: 1000, seed: 12 }))).not.toBe(JSON.stringify(probes));
    expect(JSON.stringify(generate({ n: 1, tokens: 1000, seed: 11 })[0])).toBe(JSON.stringify(probes[0]));
  });

  it('starts with the family header, keeps header words out of the body, and maps segments to exact token spans at 1k', () => {
    for (const p of probes) checkStructure(p, tokenizeProbe(tokenizer, p), 1000);
  });

  it('hits 128k tokens within 5% with exact spans and evidence >= 100 tokens back', () => {
    const [p] = generate({ n: 1, tokens: 131_072, seed: 3 });
    checkStructure(p as TextProbe, tokenizeProbe(tokenizer, p as TextProbe), 131_072);
  });

  if (RETRIEVAL_FAMILIES.includes(family)) {
    it('confines key and payload tokens to evidence, question and answer, so answers are retrievable', () => {
      for (const p of probes) {
        const t = tokenizeProbe(tokenizer, p);
        checkKeysConfined(p, t);
        expect(retrievability(t).answer.fraction).toBeGreaterThan(0.3);
      }
    });
  }
});

describe('graphwalks generator', () => {
  it('states an operation whose answer, recomputed from the prompt edges, is the target', () => {
    for (const p of generateGraphwalks({ n: 4, tokens: 4096, seed: 5 })) {
      const text = p.messages?.[0]?.content ?? '';
      const graph = text.slice(text.indexOf('Here is the graph to operate on:'), text.lastIndexOf('Operation:'));
      const op = parseOperation(text.slice(text.lastIndexOf('Operation:')));
      expect(op).not.toBeNull();
      expect(`Final Answer: [${solve(parseEdges(graph), op as NonNullable<typeof op>).join(', ')}]`).toBe(p.answer);
      expect(p.segments.filter((s) => s.kind === 'evidence').length).toBe(p.metadata.n_evidence_edges);
    }
  });

  it('uses 10-hex node ids and keeps the example block apart from the graph', () => {
    const [p] = generateGraphwalks({ n: 1, tokens: 2048, seed: 1 });
    const example = p?.segments.find((s) => s.label === 'example');
    expect(example?.kind).toBe('other');
    expect(p?.answer).toMatch(/^Final Answer: \[([0-9a-f]{10}(, )?)*\]$/);
  });
});

it('every family header word is one Qwen3 token', () => {
  for (const words of Object.values(FAMILY_HEADER_WORDS))
    for (const w of words) expect(tokenizer.encode(` ${w}`).length).toBe(1);
});
