import { ALL_HEADER_WORDS } from './families.ts';
import { FILLER_WORDS, KEY_WORDS } from './lexicon.ts';

// The Qwen3 pre-tokenizer split (tokenizer.json), translated to JS: BPE never merges across it.
const PRETOKEN =
  /'s|'t|'re|'ve|'m|'ll|'d|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/giu;
const SINGLE = new Set([...KEY_WORDS, ...FILLER_WORDS, ...ALL_HEADER_WORDS].map((w) => ` ${w}`));
// A lexicon word glued to one punctuation mark (`_name`, `(name`): about two tokens (measured: 1.85–2.14).
const GLUED = /^[^\s\p{L}\p{N}](\p{L}+)$/u;
const COMMON_SHORT = /^[ \n]?[A-Za-z]{1,7}$/;

/**
 * Estimated Qwen3 token count of generated text, used to hit length targets without running the
 * tokenizer: lexicon words and short words count one token, longer rare pieces about one per four
 * characters. Generators are checked against the real tokenizer in the tests (within a few %).
 */
export function estimateTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PRETOKEN)) {
    const piece = m[0];
    const glued = GLUED.exec(piece)?.[1];
    if (glued !== undefined && SINGLE.has(` ${glued}`)) n += 2;
    else if (SINGLE.has(piece) || COMMON_SHORT.test(piece) || piece.length <= 2) n += 1;
    else n += Math.ceil(piece.length / 4);
  }
  return n;
}

/** Tokens the Qwen3 chat template adds per message (<|im_start|>, role, newline, <|im_end|>, newline). */
export const TEMPLATE_TOKENS_PER_MESSAGE = 5;
