import type { TokensBatch } from '../schema/tokens.ts';
import { utf16ToByteOffsets } from '../tokenize/byte-level.ts';
import { tokenByteStarts } from '../tokenize/spans.ts';
import type { TokenizedProbe } from '../tokenize/tokenize-probe.ts';
import type { TextTokenizer } from '../tokenize/tokenizer.ts';

/**
 * Char span of every token: token t covers the characters whose first byte lies in
 * [byteStarts[t], byteStarts[t+1]) — a token inside one multi-byte character gets an empty span,
 * the token holding its first byte the whole character.
 */
export function tokenCharSpans(text: string, byteStarts: Int32Array): { start: Int32Array; end: Int32Array } {
  const byteAt = utf16ToByteOffsets(text);
  const n = byteStarts.length - 1;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let c = 0;
  for (let t = 0; t <= n; t++) {
    while (c < text.length && byteAt[c]! < byteStarts[t]!) c++;
    if (t < n) start[t] = c;
    if (t > 0) end[t - 1] = c;
  }
  return { start, end };
}

/** The `tokens` rows of tokenized probes (docs/run-store.md#tokens), probe after probe. */
export function probeTokensBatch(tokenizer: TextTokenizer | null, tokenized: readonly TokenizedProbe[]): TokensBatch {
  const out = {
    probe_id: [] as string[],
    position: [] as number[],
    token_id: [] as number[],
    text: [] as (string | null)[],
    char_start: [] as (number | null)[],
    char_end: [] as (number | null)[],
  };
  for (const t of tokenized) {
    const spans =
      t.text === null || tokenizer === null
        ? null
        : tokenCharSpans(t.text, tokenByteStarts(tokenizer, t.input_ids, t.text));
    t.input_ids.forEach((id, i) => {
      out.probe_id.push(t.id);
      out.position.push(i);
      out.token_id.push(id);
      const cs = spans?.start[i];
      const ce = spans?.end[i];
      out.text.push(cs === undefined || ce === undefined ? null : t.text!.slice(cs, ce));
      out.char_start.push(cs ?? null);
      out.char_end.push(ce ?? null);
    });
  }
  return out;
}
