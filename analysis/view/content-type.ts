const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  // The Arrow IPC *file* format (with footer), as registered with IANA; streams would be .arrows.
  arrow: 'application/vnd.apache.arrow.file',
  arrows: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
};

/**
 * The Content-Type for a file name, by extension; unknown ones are `application/octet-stream`.
 * Example: `contentType('routing.arrow')` → `'application/vnd.apache.arrow.file'`.
 */
export function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
