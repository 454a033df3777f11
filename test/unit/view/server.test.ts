import { execFileSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewServer, type ViewServer } from '../../../analysis/view/server.ts';
import { patterned, rawRequest, servedFolders } from './fixtures.ts';

let server: ViewServer;
let folders: Awaited<ReturnType<typeof servedFolders>>;
const url = (path: string) => `${server.url}${path.replace(/^\//, '')}`;
const PART = 'run/parts/tuned/mrcr-2n-0/routing.arrow';
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

beforeAll(async () => {
  folders = await servedFolders();
  await symlink(join(folders.outside, 'secret.txt'), join(folders.run, 'leak.txt'));
  await symlink(folders.outside, join(folders.run, 'out'));
  await symlink('/etc/hostname', join(folders.run, 'host.txt'));
  await symlink(join(folders.run, 'manifest.json'), join(folders.run, 'alias.json'));
  await symlink(join(folders.run, 'parts'), join(folders.run, 'parts-alias'));
  server = await startViewServer({ runDir: folders.run, assetsDir: folders.assets, port: 0 });
});
afterAll(() => server.close());

describe('startViewServer: run files', () => {
  it('GET /run/manifest.json sends the file with length, type, Accept-Ranges and no-cache', async () => {
    const r = await fetch(url('run/manifest.json'));
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{"schema_version":"1.1.0"}\n');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('content-length')).toBe('27');
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('cache-control')).toBe('no-cache');
  });

  it('.arrow files are application/vnd.apache.arrow.file and arrive byte for byte', async () => {
    const r = await fetch(url(PART));
    expect(r.headers.get('content-type')).toBe('application/vnd.apache.arrow.file');
    expect(await bytes(r)).toEqual(patterned(1000));
  });

  it('Range bytes=0-9 → 206 with the first ten bytes and Content-Range', async () => {
    const r = await fetch(url(PART), { headers: { Range: 'bytes=0-9' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 0-9/1000');
    expect(r.headers.get('content-length')).toBe('10');
    expect(await bytes(r)).toEqual(patterned(1000).subarray(0, 10));
  });

  it('suffix Range bytes=-16 → the last 16 bytes (how a reader finds the Arrow footer)', async () => {
    const r = await fetch(url(PART), { headers: { Range: 'bytes=-16' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 984-999/1000');
    expect(await bytes(r)).toEqual(patterned(1000).subarray(984));
  });

  it('open-ended Range bytes=500- → from byte 500 to the end', async () => {
    const r = await fetch(url(PART), { headers: { Range: 'bytes=500-' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 500-999/1000');
    expect(await bytes(r)).toEqual(patterned(1000).subarray(500));
  });

  it('an unsatisfiable Range → 416 with Content-Range bytes */size', async () => {
    const r = await fetch(url(PART), { headers: { Range: 'bytes=1000-1200' } });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */1000');
    expect((await fetch(url('run/empty.arrow'), { headers: { Range: 'bytes=0-' } })).status).toBe(416);
  });

  it('a multi-range request is answered 200 with the whole file', async () => {
    const r = await fetch(url(PART), { headers: { Range: 'bytes=0-1,10-11' } });
    expect(r.status).toBe(200);
    expect(await bytes(r)).toEqual(patterned(1000));
  });

  it('HEAD gives the headers (Content-Length of the whole file) and no body', async () => {
    const r = await rawRequest(server.port, `/${PART}`, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.body).toBe('');
    const viaFetch = await fetch(url(PART), { method: 'HEAD' });
    expect(viaFetch.headers.get('content-length')).toBe('1000');
  });

  it('an empty file is served with Content-Length 0', async () => {
    const r = await fetch(url('run/empty.arrow'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('0');
    expect((await bytes(r)).length).toBe(0);
  });

  it('a missing file → 404 with a plain-text reason', async () => {
    const r = await fetch(url('run/metrics/summary.json'));
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toContain('run/metrics/summary.json: not found');
  });

  it('methods other than GET and HEAD → 405 with Allow: GET, HEAD, and nothing is written', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await fetch(url('run/manifest.json'), { method, body: method === 'DELETE' ? null : 'x' });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    expect(await (await fetch(url('run/manifest.json'))).text()).toBe('{"schema_version":"1.1.0"}\n');
  });

  it('folders are not listed (403), with or without a trailing slash', async () => {
    expect((await fetch(url('run/parts/'))).status).toBe(403);
    const r = await fetch(url('run/parts'));
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('folders are not listed');
  });
});

describe('startViewServer: paths that leave the run are refused', () => {
  it.each([
    '/run/../outside/secret.txt',
    '/run/parts/../../outside/secret.txt',
    '/run/%2e%2e/outside/secret.txt',
    '/run/%2E%2E/%2E%2E/etc/hostname',
    '/run/..%2foutside%2fsecret.txt',
    '/run/..%5coutside%5csecret.txt',
    '/run/..\\outside\\secret.txt',
    '/run/manifest.json%00',
    '//etc/hostname',
    '/run//etc/hostname',
    '/run/%2fetc%2fhostname',
    '/../outside/secret.txt',
    '/%2e%2e/outside/secret.txt',
  ])('%s → 403 (sent as is, without client-side normalisation)', async (target) => {
    const r = await rawRequest(server.port, target);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('secret');
  });

  it('an absolute-form target → 400', async () => {
    const r = await rawRequest(server.port, `http://127.0.0.1:${server.port}/run/manifest.json`);
    expect(r.status).toBe(400);
  });

  it('a symlink inside the run pointing outside it → 403 (file, folder, or absolute target)', async () => {
    for (const path of ['run/leak.txt', 'run/out/secret.txt', 'run/host.txt']) {
      const r = await fetch(url(path));
      expect(r.status, path).toBe(403);
      expect(await r.text()).toContain('leaves the served folder');
    }
  });

  it('a symlink inside the run pointing inside it is served', async () => {
    const file = await fetch(url('run/alias.json'));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('{"schema_version":"1.1.0"}\n');
    const folder = await fetch(url('run/parts-alias/tuned/mrcr-2n-0/routing.arrow'));
    expect(await bytes(folder)).toEqual(patterned(1000));
  });

  it('a FIFO in the run → 403 not a regular file, without hanging the server', async () => {
    try {
      execFileSync('mkfifo', [join(folders.run, 'pipe.arrow')]);
    } catch {
      return; // no mkfifo on this system
    }
    const r = await fetch(url('run/pipe.arrow'));
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('not a regular file');
  });

  it('a Host header other than loopback is refused (DNS rebinding)', async () => {
    expect((await rawRequest(server.port, '/run/manifest.json', 'GET', 'evil.test')).status).toBe(403);
    expect((await rawRequest(server.port, '/run/manifest.json', 'GET', `localhost:${server.port}`)).status).toBe(200);
  });
});

describe('startViewServer: the viewer and the socket', () => {
  it('/ serves index.html and /assets/* the built files, with their types', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>viewer</title>');
    const js = await fetch(url('assets/index-abc.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(url('assets/missing.js'))).status).toBe(404);
  });

  it('binds 127.0.0.1 only: the URL is loopback and other interfaces refuse the connection', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
    if (external === undefined) return; // no non-loopback interface to try
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(server.port, external);
      socket.on('connect', () => (socket.destroy(), resolve('connected')));
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('a missing assets folder answers / with 404 naming npm run build:viewer', async () => {
    const bare = await startViewServer({ runDir: folders.run, assetsDir: join(folders.base, 'nope'), port: 0 });
    try {
      const r = await fetch(bare.url);
      expect(r.status).toBe(404);
      expect(await r.text()).toContain('npm run build:viewer');
    } finally {
      await bare.close();
    }
  });

  it('close() stops listening and can be called twice', async () => {
    const s = await startViewServer({ runDir: folders.run, assetsDir: folders.assets, port: 0 });
    expect((await fetch(`${s.url}run/manifest.json`)).status).toBe(200);
    await Promise.all([s.close(), s.close()]);
    await expect(fetch(`${s.url}run/manifest.json`)).rejects.toThrow();
  });
});
