import { estimateTokens } from '../estimate.ts';
import { generateSet, type GenerateOptions } from '../generate.ts';
import { makeRng } from '../prng.ts';
import type { TextProbe } from '../schema.ts';
import { compileTrajectory } from './compile.ts';
import { syntheticTrajectory } from './synthetic.ts';
import type { AccFamily } from './trajectory.ts';

/** Estimated tokens of a compiled probe (content, answer and chat-template overhead). */
function probeTokens(p: TextProbe): number {
  return (p.messages ?? []).reduce((n, m) => n + estimateTokens(m.content) + 5, 0) + estimateTokens(p.answer) + 8;
}

/**
 * `n` ACC-compiled probes of `family` from synthetic trajectories, deterministic for the seed.
 * The trajectory is sized, compiled, measured with the estimator and re-sized (twice at most) so
 * the probe lands within a few % of `tokens`. Example: `generateAcc('acc_sql', { n: 4, tokens: 16_384, seed: 1 })`.
 */
export function generateAcc(family: AccFamily, options: GenerateOptions): TextProbe[] {
  return generateSet((rng, tokens, index) => {
    const seed = rng.int(0, 2 ** 31 - 1);
    const build = (size: number): TextProbe => {
      const { trajectory, keyWords, payloadWords } = syntheticTrajectory(family, makeRng(seed), size);
      return compileTrajectory(trajectory, family, {
        id: `${family}-${index}`,
        source: `generated:${family}`,
        seed,
        metadata: { key_words: keyWords, payload_words: payloadWords, target_tokens: tokens },
      });
    };
    let size = tokens;
    let probe = build(size);
    for (let pass = 0; pass < 2; pass++) {
      const got = probeTokens(probe);
      if (Math.abs(got - tokens) <= tokens * 0.01) break;
      size = Math.max(200, Math.round(size * (tokens / got)));
      probe = build(size);
    }
    return probe;
  }, options);
}
