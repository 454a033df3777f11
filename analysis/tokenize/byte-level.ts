/**
 * GPT-2 byte-level alphabet: each byte is shown as one printable character in vocab strings
 * (space → "Ġ", newline → "Ċ"). Inverting it gives each token's exact UTF-8 bytes, which is how
 * acc-lens recovers character offsets that `@huggingface/tokenizers` does not return.
 */
function byteToUnicode(): Map<number, string> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<number, string>();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) map.set(b, String.fromCodePoint(b));
    else map.set(b, String.fromCodePoint(256 + n++));
  }
  return map;
}

const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map([...byteToUnicode()].map(([b, c]) => [c, b]));

/** The UTF-8 bytes a byte-level vocab string stands for ("Ġa" → [0x20, 0x61]), or null if it is not byte-level. */
export function byteLevelBytes(token: string): number[] | null {
  const out: number[] = [];
  for (const ch of token) {
    const b = UNICODE_TO_BYTE.get(ch);
    if (b === undefined) return null;
    out.push(b);
  }
  return out;
}

/**
 * Byte offset of every UTF-16 index of `text` (length text.length + 1). An index inside a
 * surrogate pair gets the offset of the pair's start.
 */
export function utf16ToByteOffsets(text: string): Int32Array {
  const out = new Int32Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    out[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      out[i + 1] = bytes;
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  out[text.length] = bytes;
  return out;
}
