import { sequenceRatio } from './sequence-matcher.ts';

export interface MrcrGradeOptions {
  /** Drop everything up to the last `</think>` first, as some harnesses do (default false). */
  stripThinking?: boolean;
}

/**
 * The official MRCR grader: 0 unless the response starts with the random string, else difflib's
 * ratio between response and answer with that prefix removed from both.
 * Example: `gradeMrcr('abcHello', 'abcHello', 'abc') === 1`.
 */
export function gradeMrcr(
  response: string,
  answer: string,
  randomString: string,
  options: MrcrGradeOptions = {},
): number {
  let r = response;
  if (options.stripThinking === true) {
    const at = r.lastIndexOf('</think>');
    if (at >= 0) r = r.slice(at + '</think>'.length).replace(/^\s+/, '');
  }
  if (!r.startsWith(randomString)) return 0;
  const strip = (s: string): string => (s.startsWith(randomString) ? s.slice(randomString.length) : s);
  return sequenceRatio(strip(r), strip(answer));
}
