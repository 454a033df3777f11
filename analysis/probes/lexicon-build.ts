import { ALL_HEADER_WORDS } from './families.ts';

/** Token ids at or below this are common words (filler); above KEY_MIN_ID rare ones (keys and payloads). */
export const FILLER_MAX_ID = 30_000;
export const KEY_MIN_ID = 40_000;

/**
 * Builds the two disjoint word lists from a byte-level vocabulary: every " word" (Ġ + 6–12
 * lowercase letters) that encodes as exactly one token. BPE ranks track frequency, so ids at or
 * below FILLER_MAX_ID are common words (filler) and ids above KEY_MIN_ID are rare (keys and
 * payloads); the band between is left out so template words, which are common, never become keys.
 */
export function buildLexicons(
  tokenizer: { encode(text: string): ArrayLike<number> },
  vocab: Record<string, number>,
): { key: string[]; filler: string[] } {
  const key: string[] = [];
  const filler: string[] = [];
  const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
  for (const [token, id] of entries) {
    if (!/^Ġ[a-z]{6,12}$/.test(token)) continue;
    const word = token.slice(1);
    if (ALL_HEADER_WORDS.has(word)) continue;
    const ids = tokenizer.encode(` ${word}`);
    if (ids.length !== 1 || ids[0] !== id) continue;
    if (id <= FILLER_MAX_ID) filler.push(word);
    else if (id > KEY_MIN_ID) key.push(word);
  }
  return { key, filler };
}
