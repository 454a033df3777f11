/** How to answer a request for a file of `size` bytes, given its `Range` header (RFC 9110 §14). */
export type RangeAnswer =
  | { kind: 'whole' }
  /** Bytes `start..end`, both inclusive, as in `Content-Range: bytes start-end/size`. */
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Resolves a `Range` header against a file size. One range per request: a multi-range request is
 * answered with the whole file (200), which RFC 9110 allows a server to do; so are headers with
 * another unit or invalid syntax (`bytes=5-2`, `bytes=x`). A valid range that starts at or past the
 * end (or a zero-length suffix) is unsatisfiable (416).
 * Example: `resolveRange('bytes=-4', 10)` → `{ kind: 'partial', start: 6, end: 9 }`.
 */
export function resolveRange(header: string | undefined, size: number): RangeAnswer {
  const whole: RangeAnswer = { kind: 'whole' };
  if (header === undefined) return whole;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return whole;
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return whole;
  const match = SPEC.exec(specs[0] ?? '');
  if (match === null) return whole;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return whole;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return whole;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
