import { RunDataError, type RunFiles } from './run-files.ts';

/** The header `acc-lens view` sets on a refusal that comes from the run's manifest (missing or damaged file). */
const ERROR_HEADER = 'x-acc-lens-error';

/**
 * The server's own account of a refused file — its plain-text body "STATUS Reason: run/PATH: problem"
 * then "Fix: …" — as a RunDataError, so the page shows the file and the fix instead of a status code.
 * Example: `serverError('probes.arrow', '409 Conflict: run/probes.arrow: damaged: … (E_RUN_DAMAGED)\nFix: Run …')`.
 */
export function serverError(path: string, body: string): RunDataError {
  const [head = '', ...rest] = body.trim().split('\n');
  const problem = head.replace(/^\d{3} [^:]*: /, '').replace(`run/${path}: `, '');
  const fixLine = rest.find((l) => l.startsWith('Fix: '));
  return new RunDataError(path, problem, fixLine?.slice('Fix: '.length) ?? 'Restart `acc-lens view` on the run.');
}

/** RunFiles over HTTP (the `acc-lens view` server): GET, HEAD and Range requests under `base`. */
export function httpRunFiles(base: string, fetcher: typeof fetch = fetch): RunFiles {
  const url = (path: string) => `${base.replace(/\/$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`;
  const failed = async (path: string, response: Response, head = false): Promise<RunDataError> => {
    if (response.headers.has(ERROR_HEADER)) {
      // A HEAD answer has no body: ask again for the text (a one-byte range gets the same refusal).
      const text = head
        ? await (await fetcher(url(path), { headers: { Range: 'bytes=0-0' } })).text()
        : await response.text();
      return serverError(path, text);
    }
    return new RunDataError(
      path,
      `the server answered ${response.status}`,
      'Check that `acc-lens view` is still running for this run.',
    );
  };
  // A 404 is a file the run does not have — unless the server says the manifest lists it.
  const absent = (response: Response) => response.status === 404 && !response.headers.has(ERROR_HEADER);
  return {
    origin: base,
    async bytes(path) {
      const response = await fetcher(url(path));
      if (absent(response)) return null;
      if (!response.ok) throw await failed(path, response);
      return new Uint8Array(await response.arrayBuffer());
    },
    async size(path) {
      const response = await fetcher(url(path), { method: 'HEAD' });
      if (absent(response)) return null;
      if (!response.ok) throw await failed(path, response, true);
      return Number(response.headers.get('content-length'));
    },
    async range(path, start, end) {
      if (end <= start) return new Uint8Array(0);
      const response = await fetcher(url(path), { headers: { Range: `bytes=${start}-${end - 1}` } });
      if (response.status !== 206 && response.status !== 200) throw await failed(path, response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      // A server without Range support sends the whole file (200): cut the range out of it.
      return response.status === 200 ? bytes.subarray(start, end) : bytes;
    },
  };
}
