const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a bind address (as given to `--host`) is this machine's loopback interface only. */
export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a request's `Host` header names the loopback interface. A loopback server checks this so
 * a web page whose domain is re-pointed at 127.0.0.1 (DNS rebinding) cannot read the run: its
 * requests carry that domain as `Host`. A missing header (HTTP/1.0 tools) is accepted.
 * Example: `isLoopbackHostHeader('localhost:7450')` → true; `isLoopbackHostHeader('evil.test:7450')` → false.
 */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return true;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.replace(/:\d*$/, '');
  return isLoopbackAddress(name);
}

/** The URL origin to open for a bound address and port: IPv6 literals in brackets, a wildcard bind via 127.0.0.1. */
export function originFor(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return `http://127.0.0.1:${port}`;
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}
