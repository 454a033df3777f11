/** Which value F1 takes when precision + recall = 0: the dataset card's formula gives 1, lm-eval's gives 0. */
export type EmptySetRule = 'card' | 'lm-eval';

export interface GraphwalksGrade {
  precision: number;
  recall: number;
  f1: number;
  /** The last line had no `Final Answer: [...]`. */
  unparsed: boolean;
}

/** Node list from the LAST line's `Final Answer: [...]`, or null when that line has none. */
export function finalAnswerNodes(response: string): string[] | null {
  const last = response.trimEnd().split('\n').at(-1) ?? '';
  const m = last.match(/Final Answer: ?\[(.*)\]/);
  if (m === null) return null;
  return (m[1] as string)
    .split(',')
    .map((s) => s.trim().replace(/^['"]|['"]$/g, ''))
    .filter((s) => s !== '');
}

/**
 * The official GraphWalks node-set F1. Empty gold: recall 1; empty prediction: precision 1 (as in
 * the card). When precision + recall = 0 the result depends on `rule`, which is explicit on purpose.
 * Example: `gradeGraphwalks('Final Answer: [a, b]', ['a'], 'lm-eval').f1` ≈ 0.667.
 */
export function gradeGraphwalks(response: string, gold: readonly string[], rule: EmptySetRule): GraphwalksGrade {
  const parsed = finalAnswerNodes(response);
  const sampled = new Set(parsed ?? []);
  const truth = new Set(gold);
  const overlap = [...sampled].filter((n) => truth.has(n)).length;
  const recall = truth.size > 0 ? overlap / truth.size : 1;
  const precision = sampled.size > 0 ? overlap / sampled.size : 1;
  const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : rule === 'card' ? 1 : 0;
  return { precision, recall, f1, unparsed: parsed === null };
}
