import { AccLensError } from '../errors.ts';
import { META, pieceUnits } from './pieces.ts';
import type { TextTokenizer } from './tokenizer.ts';

const SPACE = 0x20;
const isWhitespace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const encoder = new TextEncoder();

interface Cursor {
  /** Token index reached and byte position in the text when the alignment stopped. */
  token: number;
  byte: number;
}

/** Byte position after added token `id` matched at `b` (lstrip/rstrip whitespace included), or null. */
function matchAdded(tokenizer: TextTokenizer, id: number, bytes: Uint8Array, b: number): number | null {
  const added = tokenizer.added(id);
  if (added === undefined) return null;
  const content = encoder.encode(added.content);
  let at = b;
  if (added.lstrip) while (isWhitespace(bytes[at])) at++;
  for (let i = 0; i < content.length; i++) if (bytes[at + i] !== content[i]) return null;
  at += content.length;
  if (added.rstrip) while (isWhitespace(bytes[at])) at++;
  return at;
}

/**
 * Aligns a run of model tokens (no added token inside) with the text from byte `b`, writing each
 * token's start into `starts`. `prefixed`: the run's first `▁` was prepended by the tokenizer
 * (SentencePiece's dummy prefix) and stands for no text. Returns the end byte, or where it failed.
 */
function alignRun(
  units: (id: number) => number[] | null,
  ids: ArrayLike<number>,
  from: number,
  to: number,
  bytes: Uint8Array,
  b: number,
  prefixed: boolean,
  starts: Int32Array,
): { end: number } | { failed: Cursor } {
  let first = true;
  for (let t = from; t < to; t++) {
    const u = units(ids[t] as number);
    if (u === null) return { failed: { token: t, byte: b } };
    starts[t] = b;
    for (const unit of u) {
      if (unit === META) {
        if (first && prefixed) {
          // the dummy prefix: no text behind it
        } else if (bytes[b] === SPACE) b++;
        else if (bytes[b] === 0xe2 && bytes[b + 1] === 0x96 && bytes[b + 2] === 0x81)
          b += 3; // a literal ▁
        else return { failed: { token: t, byte: b } };
      } else if (bytes[b] === unit) b++;
      else return { failed: { token: t, byte: b } };
      first = false;
    }
  }
  return { end: b };
}

function mismatch(tokenizer: TextTokenizer, text: string, ids: ArrayLike<number>, at: Cursor): AccLensError {
  const bytes = encoder.encode(text);
  const char = new TextDecoder().decode(bytes.subarray(0, at.byte)).length;
  const id = ids[at.token];
  const piece = id === undefined ? 'end of ids' : (tokenizer.added(id)?.content ?? tokenizer.piece(id) ?? `id ${id}`);
  return new AccLensError(
    'E_TOKENIZER',
    `tokenizer "${tokenizer.name}": token ${at.token} (${JSON.stringify(piece)}) does not spell the text at char ${char} (${JSON.stringify(text.slice(char, char + 20))}); its normalizer changes the text, so char spans cannot be mapped`,
    'Use a tokenizer whose tokens reproduce the text (no lowercasing, accent stripping or whitespace collapsing), or bring pre-tokenized probes.',
  );
}

/**
 * Token boundaries as UTF-8 byte offsets into `text`, found by aligning every token's piece with the
 * text (`@huggingface/tokenizers` returns no offsets): `starts[t]` is where token t begins,
 * `starts[n]` the text's byte length. A SentencePiece dummy-prefix `▁` occupies no bytes. Throws
 * E_TOKENIZER when the tokens do not spell the text. Example: `tokenByteStarts(tok, tok.encode(s), s)`.
 */
export function tokenByteStarts(tokenizer: TextTokenizer, ids: ArrayLike<number>, text: string): Int32Array {
  const bytes = encoder.encode(text);
  const cache = new Map<number, number[] | null>();
  const units = (id: number): number[] | null => {
    let u = cache.get(id);
    if (u === undefined) {
      const piece = tokenizer.piece(id);
      u = piece === undefined ? null : pieceUnits(tokenizer.kind, piece);
      cache.set(id, u);
    }
    return u;
  };
  const n = ids.length;
  const starts = new Int32Array(n + 1);
  let b = 0;
  let t = 0;
  while (t < n) {
    const id = ids[t] as number;
    if (tokenizer.added(id) !== undefined) {
      const end = matchAdded(tokenizer, id, bytes, b);
      if (end === null) throw mismatch(tokenizer, text, ids, { token: t, byte: b });
      starts[t++] = b;
      b = end;
      continue;
    }
    let to = t;
    while (to < n && tokenizer.added(ids[to] as number) === undefined) to++;
    const fits = (end: number): boolean =>
      to === n ? end === bytes.length : matchAdded(tokenizer, ids[to] as number, bytes, end) !== null;
    const firstIsMeta = units(id)?.[0] === META;
    let failed: Cursor = { token: t, byte: b };
    let aligned = false;
    for (const prefixed of firstIsMeta ? [true, false] : [false]) {
      const r = alignRun(units, ids, t, to, bytes, b, prefixed, starts);
      if ('end' in r && fits(r.end)) {
        b = r.end;
        aligned = true;
        break;
      }
      const at = 'end' in r ? { token: to, byte: r.end } : r.failed;
      if (at.byte >= failed.byte) failed = at;
    }
    if (!aligned) throw mismatch(tokenizer, text, ids, failed);
    t = to;
  }
  if (b !== bytes.length) throw mismatch(tokenizer, text, ids, { token: n, byte: b });
  starts[n] = b;
  return starts;
}
