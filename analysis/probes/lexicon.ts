import LEXICON from './lexicon.json' with { type: 'json' };
import type { Rng } from './prng.ts';

/**
 * Two disjoint word lists (see lexicon-build.ts): KEY_WORDS are rare single-token " word"s for
 * keys and payloads, FILLER_WORDS common ones for filler and distractors. Always write a lexicon
 * word after a space: "\nword" or "[word" tokenize differently from " word".
 */
export const KEY_WORDS: readonly string[] = LEXICON.key;
export const FILLER_WORDS: readonly string[] = LEXICON.filler;

/** Draws key words that are unique within one probe, plus filler words and sentences. */
export interface Words {
  /** `n` key words never handed out before for this probe. */
  keys(n: number): string[];
  filler(): string;
  /** " w1 w2 … wn." — exactly n + 1 tokens with the Qwen3 tokenizer. */
  fillerSentence(n: number): string;
  /** Filler sentences of 6–14 words totalling about `tokens` tokens. */
  fillerText(tokens: number): string;
}

export function makeWords(rng: Rng): Words {
  const used = new Set<number>();
  const filler = (): string => FILLER_WORDS[Math.floor(rng.next() * FILLER_WORDS.length)] as string;
  const fillerSentence = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += ` ${filler()}`;
    return `${s}.`;
  };
  return {
    keys(n) {
      if (used.size + n > KEY_WORDS.length / 2)
        throw new Error(`a probe asked for more than ${KEY_WORDS.length / 2} key words`);
      const out: string[] = [];
      while (out.length < n) {
        const i = Math.floor(rng.next() * KEY_WORDS.length);
        if (used.has(i)) continue;
        used.add(i);
        out.push(KEY_WORDS[i] as string);
      }
      return out;
    },
    filler,
    fillerSentence,
    fillerText(tokens) {
      const parts: string[] = [];
      let left = tokens;
      while (left >= 4) {
        const n = Math.min(rng.int(6, 14), left - 1);
        parts.push(fillerSentence(n));
        left -= n + 1;
      }
      return parts.join('');
    },
  };
}
