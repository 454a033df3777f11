import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { AccLensError } from '../errors.ts';
import { openConfinedFile, realFolder, type ConfinedFile, type ConfinedRefusal } from '../io/confined-file.ts';
import { resolveRange } from './byte-range.ts';
import { contentType } from './content-type.ts';
import { isLoopbackAddress, isLoopbackHostHeader, originFor } from './loopback.ts';
import { parseRequestPath } from './request-path.ts';
import { createRunIntegrity, type IntegrityProblem, type RunIntegrityOptions } from './run-integrity.ts';

export interface ViewServerOptions {
  /** The run folder served read-only under `/run/`. */
  runDir: string;
  /** The built viewer served at `/` (default `viewer/dist` of this package). */
  assetsDir?: string;
  /** 0 picks a free port (default 7450). */
  port?: number;
  /** Bind address (default 127.0.0.1, loopback only). */
  host?: string;
  /** Where unexpected server errors are reported (default stderr). */
  log?: (line: string) => void;
  /** How recorded run files are hashed (default: streamed sha256); tests count the calls. */
  hash?: RunIntegrityOptions['hash'];
}

export interface ViewServer {
  /** `http://HOST:PORT/`, the page to open. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7450;
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../viewer/dist', import.meta.url));

const COMMON: OutgoingHttpHeaders = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

const REFUSED: Record<ConfinedRefusal['why'], [number, string]> = {
  missing: [404, 'not found'],
  outside: [403, 'its real path leaves the served folder (a symlink pointing outside)'],
  folder: [403, 'folders are not listed'],
  'not-regular': [403, 'not a regular file'],
  denied: [403, 'permission denied'],
};

/** Marks a refusal that comes from the run's manifest, so the viewer shows it as a damaged run. */
export const ERROR_HEADER = 'X-Acc-Lens-Error';

/**
 * Serves a run folder (read-only, under `/run/`) and the built viewer (at `/`) over HTTP with Range
 * support. Files the manifest records are checked first (run-integrity.ts): a missing one is a 404,
 * a damaged one a 409, each naming the file and the fix.
 * Example: `const s = await startViewServer({ runDir: 'runs/demo', port: 0 }); … await s.close()`.
 */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const realRun = await realFolder(options.runDir);
  if (realRun === null)
    throw new AccLensError('E_FILE_NOT_FOUND', `${options.runDir} is not a folder`, 'Pass a run folder.');
  const runRoot: string = realRun;
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const checkHostHeader = isLoopbackAddress(host);
  const integrity = createRunIntegrity(runRoot, {
    shownDir: options.runDir,
    ...(options.hash ? { hash: options.hash } : {}),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`acc-lens view: ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) reply(res, 500, 'internal error (see the terminal running acc-lens view)');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (checkHostHeader && !isLoopbackHostHeader(req.headers.host))
      return reply(res, 403, `unexpected Host header "${req.headers.host}": this server answers to 127.0.0.1 only`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, 405, `${req.method} is not allowed; this server is read-only (GET, HEAD)`, {
        Allow: 'GET, HEAD',
      });
    const target = parseRequestPath(req.url ?? '');
    if ('status' in target) return reply(res, target.status, target.reason);
    const root = target.area === 'run' ? runRoot : await realFolder(assetsDir);
    if (root === null) return reply(res, 404, 'the viewer is not built: run `npm run build:viewer`');
    const file = await openConfinedFile(root, target.segments);
    const shown = `${target.area === 'run' ? 'run/' : ''}${target.segments.join('/')}`;
    if (!file.ok) {
      const listed = target.area === 'run' && file.why === 'missing';
      const problem = listed ? await integrity.checkMissing(target.segments.join('/')) : null;
      if (problem !== null) return refuse(res, shown, problem);
      const [status, reason] = REFUSED[file.why];
      return reply(res, status, `${shown}: ${reason}`);
    }
    if (target.area === 'run') {
      // Checked under its real path, so a symlinked alias of a part is checked as that part.
      const rel = relative(runRoot, file.path).split(sep).join('/');
      let problem: IntegrityProblem | null;
      try {
        const s = await file.handle.stat();
        problem = await integrity.checkFile(rel, file.path, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
      } catch (error) {
        await file.handle.close();
        throw error;
      }
      if (problem !== null) {
        await file.handle.close();
        return refuse(res, `run/${rel}`, problem);
      }
    }
    await sendFile(req, res, file, target.segments.at(-1) ?? '');
  }

  function refuse(res: ServerResponse, shown: string, p: IntegrityProblem): void {
    reply(res, p.status, `${shown}: ${p.problem} (E_RUN_DAMAGED)\nFix: ${p.fix}`, { [ERROR_HEADER]: 'E_RUN_DAMAGED' });
  }

  const port = await listen(server, options.port ?? DEFAULT_PORT, host);
  let closing: Promise<void> | undefined;
  return {
    url: `${originFor(host, port)}/`,
    port,
    host,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: ConfinedFile, name: string): Promise<void> {
  const answer = resolveRange(req.headers.range, file.size);
  if (answer.kind === 'unsatisfiable') {
    await file.handle.close();
    return reply(res, 416, `range not satisfiable: the file has ${file.size} bytes`, {
      'Content-Range': `bytes */${file.size}`,
    });
  }
  const [status, start, end] = answer.kind === 'partial' ? [206, answer.start, answer.end] : [200, 0, file.size - 1];
  res.writeHead(status, {
    ...COMMON,
    'Content-Type': contentType(name),
    'Content-Length': String(end - start + 1),
    'Accept-Ranges': 'bytes',
    ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}),
  });
  if (req.method === 'HEAD' || end < start) {
    await file.handle.close();
    res.end();
    return;
  }
  // A client that goes away mid-file ends the pipeline early; the stream closes the handle either way.
  await pipeline(file.handle.createReadStream({ start, end }), res).catch(() => undefined);
}

function reply(res: ServerResponse, status: number, reason: string, headers: OutgoingHttpHeaders = {}): void {
  const body = `${status} ${STATUS_CODES[status] ?? ''}: ${reason}\n`;
  res.writeHead(status, {
    ...COMMON,
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenFailure(error, port, host));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function listenFailure(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const fix = 'Pass another port with --port N (--port 0 picks a free one), or stop the program holding it.';
  if (error.code === 'EADDRINUSE')
    return new AccLensError(
      'E_PORT_UNAVAILABLE',
      `port ${port} on ${host} is already in use (another acc-lens view?)`,
      fix,
    );
  if (error.code === 'EACCES')
    return new AccLensError('E_PORT_UNAVAILABLE', `port ${port} on ${host} needs privileges this user lacks`, fix);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return new AccLensError(
      'E_USAGE',
      `--host ${host}: not an address of this machine (${error.code})`,
      "Leave --host out (127.0.0.1), or pass one of this machine's addresses, e.g. 0.0.0.0 for all.",
    );
  return error;
}
