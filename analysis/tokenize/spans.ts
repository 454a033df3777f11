export { tokenByteStarts } from './offsets.ts';

/** First token index whose start byte is >= `byte` (binary search; n when none). */
export function firstTokenAtOrAfter(starts: Int32Array, byte: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] as number) < byte) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The boundary rule: a token belongs to the segment that holds its FIRST byte. A segment
 * [byteStart, byteEnd) therefore covers tokens [first token starting at/after byteStart, first
 * token starting at/after byteEnd). Segments that tile the text get token spans that tile the
 * tokens (no token counted twice); `aligned` says whether both ends fall on token boundaries.
 */
export function byteSpanToTokenSpan(
  starts: Int32Array,
  byteStart: number,
  byteEnd: number,
): { start: number; end: number; aligned: boolean } {
  const start = firstTokenAtOrAfter(starts, byteStart);
  const end = firstTokenAtOrAfter(starts, byteEnd);
  const aligned = starts[start] === byteStart && starts[end] === byteEnd;
  return { start, end: Math.max(start, end), aligned };
}
