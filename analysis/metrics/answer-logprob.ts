/**
 * Mean and total natural-log probability of a probe's gold answer tokens (teacher-forced). No
 * answer tokens: `n = 0` and both 0 (callers treat the probe as missing).
 * @example answerLogprob([-0.5, -1.5]) // { mean: -1, sum: -2, n: 2 }
 */
export function answerLogprob(logprobs: ArrayLike<number>): { mean: number; sum: number; n: number } {
  let sum = 0;
  for (let i = 0; i < logprobs.length; i++) sum += logprobs[i]!;
  const n = logprobs.length;
  return { mean: n > 0 ? sum / n : 0, sum, n };
}
