import { describe, expect, it } from 'vitest';
import { gradeGraphwalks, finalAnswerNodes } from '../../../analysis/probes/graphwalks/grade.ts';
import { gradeMrcr } from '../../../analysis/probes/mrcr/grade.ts';
import { sequenceRatio } from '../../../analysis/probes/mrcr/sequence-matcher.ts';

describe('sequenceRatio (difflib.SequenceMatcher.ratio)', () => {
  it('abcd vs bcde: one block "bcd" of 3 → 2·3/8 = 0.75', () => {
    expect(sequenceRatio('abcd', 'bcde')).toBe(0.75);
  });
  it('"hello world" vs "hello there world": blocks "hello " (6) and "world" (5) → 22/28', () => {
    expect(sequenceRatio('hello world', 'hello there world')).toBeCloseTo(22 / 28, 12);
  });
  it('two empty strings → 1; one empty → 0', () => {
    expect(sequenceRatio('', '')).toBe(1);
    expect(sequenceRatio('abc', '')).toBe(0);
  });
  it('autojunk: popular items of a b with >= 200 items cannot seed a match (Python gives 1/255)', () => {
    const a = 'a'.repeat(150) + 'b'.repeat(100);
    const b = 'ab'.repeat(130);
    expect(sequenceRatio(a, b)).toBeCloseTo(0.00392156862745098, 12);
    expect(sequenceRatio(a, b, false)).toBeCloseTo(0.396078431372549, 12);
  });
  it('matches Python on a repeated sentence (autojunk on and off)', () => {
    const a = 'The quick brown fox jumps over the lazy dog. '.repeat(6);
    const b = 'The quick brown cat leaps over the lazy dog. '.repeat(6);
    expect(sequenceRatio(a, b)).toBeCloseTo(0.05925925925925926, 12);
    expect(sequenceRatio(a, b, false)).toBeCloseTo(0.8666666666666667, 12);
  });
});

describe('gradeMrcr', () => {
  it('is 0 when the response does not start with the random string', () => {
    expect(gradeMrcr('Here it is: abcd', 'RSabcd', 'RS')).toBe(0);
  });
  it('is the ratio of the rest when it does', () => {
    expect(gradeMrcr('RSbcde', 'RSabcd', 'RS')).toBe(0.75);
    expect(gradeMrcr('RSabcd', 'RSabcd', 'RS')).toBe(1);
  });
  it('strips a thinking block only when asked', () => {
    expect(gradeMrcr('<think>hmm</think>\nRSabcd', 'RSabcd', 'RS')).toBe(0);
    expect(gradeMrcr('<think>hmm</think>\nRSabcd', 'RSabcd', 'RS', { stripThinking: true })).toBe(1);
  });
});

describe('gradeGraphwalks', () => {
  it('reads only the last line', () => {
    expect(finalAnswerNodes('Final Answer: [a]\nthinking more')).toBeNull();
    expect(finalAnswerNodes('x\nFinal Answer: [a, b ,c]')).toEqual(['a', 'b', 'c']);
    expect(finalAnswerNodes('Final Answer: []')).toEqual([]);
  });
  it('computes F1 over node sets: {a,b} vs {a} → P 0.5, R 1, F1 2/3', () => {
    const g = gradeGraphwalks('Final Answer: [a, b]', ['a'], 'lm-eval');
    expect(g).toMatchObject({ precision: 0.5, recall: 1, unparsed: false });
    expect(g.f1).toBeCloseTo(2 / 3, 12);
  });
  it('empty prediction for an empty gold set scores 1 under both rules', () => {
    expect(gradeGraphwalks('Final Answer: []', [], 'lm-eval').f1).toBe(1);
    expect(gradeGraphwalks('Final Answer: []', [], 'card').f1).toBe(1);
  });
  it('disjoint sets (precision + recall = 0): the card rule gives 1, lm-eval gives 0', () => {
    expect(gradeGraphwalks('Final Answer: [x]', ['a'], 'card').f1).toBe(1);
    expect(gradeGraphwalks('Final Answer: [x]', ['a'], 'lm-eval').f1).toBe(0);
  });
  it('a missing Final Answer line counts as an empty prediction and is flagged', () => {
    const g = gradeGraphwalks('I think a', ['a'], 'lm-eval');
    expect(g).toMatchObject({ f1: 0, unparsed: true });
  });
});
