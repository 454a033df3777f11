import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tempDir = (prefix = 'acc-lens-view-'): Promise<string> => mkdtemp(join(tmpdir(), prefix));

/** Bytes 0..n-1 as i mod 251, so every range has a known, position-dependent content. */
export const patterned = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 251);

/**
 * A folder with a small run (manifest, one part file), a built-viewer folder (index.html, one
 * asset), and a folder outside both holding a secret: every path the tests serve or refuse.
 */
export async function servedFolders(): Promise<{ base: string; run: string; assets: string; outside: string }> {
  const base = await tempDir();
  const run = join(base, 'run');
  const assets = join(base, 'dist');
  const outside = join(base, 'outside');
  await mkdir(join(run, 'parts', 'tuned', 'mrcr-2n-0'), { recursive: true });
  await mkdir(join(assets, 'assets'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(run, 'manifest.json'), '{"schema_version":"1.1.0"}\n');
  await writeFile(join(run, 'parts', 'tuned', 'mrcr-2n-0', 'routing.arrow'), patterned(1000));
  await writeFile(join(run, 'empty.arrow'), new Uint8Array(0));
  await writeFile(join(assets, 'index.html'), '<!doctype html><title>viewer</title>\n');
  await writeFile(join(assets, 'assets', 'index-abc.js'), 'console.log(1);\n');
  await writeFile(join(outside, 'secret.txt'), 'secret\n');
  return { base, run, assets, outside };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one request with the target exactly as given — no URL normalisation, unlike fetch(), which
 * would resolve `..` before sending — and reads the whole reply.
 */
export function rawRequest(
  port: number,
  target: string,
  method = 'GET',
  host = `127.0.0.1:${port}`,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}
