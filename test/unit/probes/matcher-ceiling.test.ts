import { describe, expect, it } from 'vitest';
import { generateAcc } from '../../../analysis/probes/acc/generate.ts';
import { generateGraphwalks } from '../../../analysis/probes/graphwalks/generate.ts';
import { generateMrcr } from '../../../analysis/probes/mrcr/generate.ts';
import { matcherCeiling, ngramMatcherMasses } from '../../../analysis/probes/matcher-ceiling.ts';
import { loadTokenizer } from '../../../analysis/tokenize/load.ts';
import { tokenizeProbe } from '../../../analysis/tokenize/tokenize-probe.ts';

// 400 positions of filler id 1. Evidence [10, 20) holds ids 7 8 9 …; the same pair "8 9" sits outside at
// [200, 202) after id 3 instead of 7; the answer at [390, 393) is "7 8 9".
function probe() {
  const ids = new Array<number>(400).fill(1);
  [7, 8, 9].forEach((id, i) => (ids[10 + i] = id));
  [3, 8, 9].forEach((id, i) => (ids[199 + i] = id));
  [7, 8, 9].forEach((id, i) => (ids[390 + i] = id));
  return {
    input_ids: ids,
    answer_span: { start: 390, end: 393 },
    segments: [{ kind: 'evidence', token_start: 10, token_end: 20 }],
  };
}

describe('n-gram matcher mass', () => {
  it('a single-token matcher splits 8 and 9 between the evidence and the copy outside it', () => {
    // Row 7: one match, in evidence (1); rows 8 and 9: two matches each, one in evidence (½).
    expect(ngramMatcherMasses(probe(), 'answer', [1])[0]).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12);
  });

  it('a bigram matcher finds the pair "8 9" only where it follows 7 … and 8 only after 7', () => {
    // Row 7: bigram "1 7" only in evidence; row 8: "7 8" only in evidence; row 9: "8 9" twice (½).
    expect(ngramMatcherMasses(probe(), 'answer', [2])[0]).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
    // Trigram: "8 9" after "7 8" is evidence alone.
    expect(ngramMatcherMasses(probe(), 'answer', [3])[0]).toBeCloseTo(1, 12);
  });

  it('ignores matches closer than the minimum distance and counts rows without a match as 0', () => {
    const p = probe();
    expect(ngramMatcherMasses(p, 'answer', [1], 385)[0]).toBeCloseTo(0, 12);
    expect(matcherCeiling([p], 'answer')).toEqual({ n: 3, mass: 1 });
  });
});

describe('matcher ceiling of the generated families (Qwen3 tokenizer, 4k tokens)', () => {
  const tokenizer = loadTokenizer();
  const tokenized = (probes: Parameters<typeof tokenizeProbe>[1][]) => probes.map((p) => tokenizeProbe(tokenizer, p));

  it('MRCR answers are copies of their evidence: a bigram matcher reaches ≥ 0.5', () => {
    const c = matcherCeiling(tokenized(generateMrcr({ n: 4, tokens: 4096, seed: 1 })), 'answer');
    expect(c.mass).toBeGreaterThanOrEqual(0.5);
  });

  it('GraphWalks node ids recur across edge lines: no 1- to 4-gram matcher reaches 0.5 (the retrieval contract)', () => {
    const probes = tokenized(generateGraphwalks({ n: 6, tokens: 4096, seed: 1 }));
    const c = matcherCeiling(probes, 'answer');
    expect(c.mass).toBeLessThan(0.35);
    expect(c.mass).toBeGreaterThan(0.05); // the ids are found, just not only in evidence
    expect(matcherCeiling(probes, 'question').mass).toBeLessThan(0.1);
  });

  it('ACC answers quote their evidence: the answer ceiling is well above GraphWalks', () => {
    const acc = matcherCeiling(tokenized(generateAcc('acc_search', { n: 4, tokens: 4096, seed: 1 })), 'answer');
    expect(acc.mass).toBeGreaterThanOrEqual(0.5);
  });
});
