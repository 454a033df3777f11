import { RunDataError, type RunFiles } from './run-files.ts';

/** RunFiles over HTTP (the `acc-lens view` server): GET, HEAD and Range requests under `base`. */
export function httpRunFiles(base: string, fetcher: typeof fetch = fetch): RunFiles {
  const url = (path: string) => `${base.replace(/\/$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`;
  const failed = (path: string, status: number): RunDataError =>
    new RunDataError(
      path,
      `the server answered ${status}`,
      'Check that `acc-lens view` is still running for this run.',
    );
  return {
    origin: base,
    async bytes(path) {
      const response = await fetcher(url(path));
      if (response.status === 404) return null;
      if (!response.ok) throw failed(path, response.status);
      return new Uint8Array(await response.arrayBuffer());
    },
    async size(path) {
      const response = await fetcher(url(path), { method: 'HEAD' });
      if (response.status === 404) return null;
      if (!response.ok) throw failed(path, response.status);
      return Number(response.headers.get('content-length'));
    },
    async range(path, start, end) {
      if (end <= start) return new Uint8Array(0);
      const response = await fetcher(url(path), { headers: { Range: `bytes=${start}-${end - 1}` } });
      if (response.status !== 206 && response.status !== 200) throw failed(path, response.status);
      const bytes = new Uint8Array(await response.arrayBuffer());
      // A server without Range support sends the whole file (200): cut the range out of it.
      return response.status === 200 ? bytes.subarray(start, end) : bytes;
    },
  };
}
