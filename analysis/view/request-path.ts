/** Where a request path points: the run folder (`/run/…`) or the viewer's built assets (everything else). */
export interface RequestTarget {
  area: 'run' | 'assets';
  /** Decoded path segments below that area's root, each a plain file or folder name. */
  segments: string[];
}

/** A request refused before touching the disk, with the status and a short reason for the reply. */
export interface RequestRefusal {
  status: 400 | 403 | 404;
  reason: string;
}

export const RUN_PREFIX = 'run';

/**
 * Parses a request target into safe path segments, refusing every spelling of a path that could
 * leave its root: `.`/`..` segments (also percent-encoded), encoded `/` (`%2f`), backslashes (raw
 * or `%5c`), NUL, empty segments (`//etc`), absolute-form targets, and dot-files (temp files of
 * atomic writes, the build stamp). `/` is the viewer's `index.html`.
 * Example: `parseRequestPath('/run/parts/base/p1/routing.arrow?x=1')` →
 * `{ area: 'run', segments: ['parts', 'base', 'p1', 'routing.arrow'] }`.
 */
export function parseRequestPath(target: string): RequestTarget | RequestRefusal {
  if (!target.startsWith('/')) return { status: 400, reason: 'the request target must be a path starting with /' };
  const path = target.split(/[?#]/, 1)[0] ?? '';
  if (path.includes('\\')) return forbidden('backslashes are not allowed in paths');
  const raw = path.slice(1).split('/');
  if (raw.length === 1 && raw[0] === '') return { area: 'assets', segments: ['index.html'] };
  const segments: string[] = [];
  for (const [i, part] of raw.entries()) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return { status: 400, reason: `malformed percent-encoding in "${part}"` };
    }
    if (name === '') {
      if (i === raw.length - 1) return forbidden('folders are not listed');
      return forbidden('empty path segments (//) are not allowed');
    }
    const refusal = segmentRefusal(name);
    if (refusal !== null) return forbidden(refusal);
    segments.push(name);
  }
  if (segments[0] !== RUN_PREFIX) return { area: 'assets', segments };
  if (segments.length === 1) return forbidden('folders are not listed');
  return { area: 'run', segments: segments.slice(1) };
}

function segmentRefusal(name: string): string | null {
  if (name === '.' || name === '..') return 'path traversal (. or ..) is not allowed';
  if (name.includes('/')) return 'encoded slashes (%2f) are not allowed';
  if (name.includes('\\')) return 'backslashes are not allowed in paths';
  if (name.includes('\0')) return 'NUL bytes are not allowed in paths';
  if (name.startsWith('.')) return 'hidden files are not served';
  return null;
}

const forbidden = (reason: string): RequestRefusal => ({ status: 403, reason });
