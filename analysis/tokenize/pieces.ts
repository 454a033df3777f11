import { byteLevelBytes } from './byte-level.ts';

/**
 * How a tokenizer's vocab pieces spell text. `byte-level`: every character of a piece is one byte
 * of the GPT-2 alphabet. `metaspace`: SentencePiece style — a piece is text with spaces written
 * `▁`, and `<0xNN>` pieces are single bytes (byte fallback) for characters outside the vocab.
 */
export type PieceKind = 'byte-level' | 'metaspace';

/** A unit of a piece: a UTF-8 byte (0–255) or META, the `▁` word mark (a space in the text, or none when prepended). */
export const META = 256;

export const METASPACE = '\u2581';

type Json = Record<string, unknown>;

/** The components of a normalizer / pre-tokenizer / decoder entry, `Sequence`s flattened. */
function components(entry: unknown): Json[] {
  if (typeof entry !== 'object' || entry === null) return [];
  const e = entry as Json;
  const inner = e.normalizers ?? e.pretokenizers ?? e.decoders;
  return e.type === 'Sequence' && Array.isArray(inner) ? inner.flatMap(components) : [e];
}

const writesMeta = (c: Json): boolean =>
  c.type === 'Metaspace' ||
  (c.type === 'Prepend' && c.prepend === METASPACE) ||
  (c.type === 'Replace' && (c.content === METASPACE || (c.pattern as Json | undefined)?.String === METASPACE));

/** Which spelling a tokenizer.json uses, from its normalizer, pre-tokenizer and decoder; null when neither. */
export function pieceKind(tj: { normalizer?: unknown; pre_tokenizer?: unknown; decoder?: unknown }): PieceKind | null {
  const all = [...components(tj.normalizer), ...components(tj.pre_tokenizer), ...components(tj.decoder)];
  if (all.some((c) => c.type === 'ByteLevel')) return 'byte-level';
  if (all.some(writesMeta)) return 'metaspace';
  return null;
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
const encoder = new TextEncoder();

/**
 * The units a vocab piece stands for in the text, or null if the piece cannot be spelled (a
 * byte-level piece with a character outside the alphabet). Example: `pieceUnits('metaspace', '▁é')`
 * → [META, 0xc3, 0xa9].
 */
export function pieceUnits(kind: PieceKind, piece: string): number[] | null {
  if (kind === 'byte-level') return byteLevelBytes(piece);
  const fallback = BYTE_FALLBACK.exec(piece);
  if (fallback !== null) return [Number.parseInt(fallback[1] as string, 16)];
  const units: number[] = [];
  for (const ch of piece) {
    if (ch === METASPACE) units.push(META);
    else for (const b of encoder.encode(ch)) units.push(b);
  }
  return units;
}
