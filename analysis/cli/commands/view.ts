import { z } from 'zod';
import { fail } from '../../errors.ts';
import { isLoopbackAddress } from '../../view/loopback.ts';
import { openBrowser } from '../../view/open-browser.ts';
import { checkRunFolder } from '../../view/run-folder.ts';
import { DEFAULT_ASSETS_DIR, DEFAULT_HOST, DEFAULT_PORT, startViewServer } from '../../view/server.ts';
import { ensureViewerBuilt } from '../../view/viewer-build.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE = 'Usage: acc-lens view RUN [--port N] [--no-open] [--host H]';
const HELP = `${USAGE}

Serves the viewer for a run folder (written by \`acc-lens capture\` + \`acc-lens metrics\`, or by
\`acc-lens demo\`) on http://${DEFAULT_HOST}:${DEFAULT_PORT}/ and opens it in your browser. Ctrl-C stops it.
Base and tuned are shown side by side with their difference (Δ) everywhere:

  Overview   headline findings per task family with confidence intervals and p-values, the
             most-changed layers, heads and experts, and the run's provenance
  Attention  a layer × head grid of evidence lift and other head metrics, distance profiles of the
             most-changed layers, and for one probe a long-context strip: its segments, where the
             selected query attends, zoomable down to the token text
  Experts    layer × expert usage heatmaps per family, I(task; expert) per layer, top experts,
             and a per-token routing strip for one probe
  Probes     the probe set as a table, each probe opening in the views above
The URL holds the whole selection, so a view can be reloaded, bookmarked and shared.

The server is read-only and answers only GET/HEAD for the run's files (under /run/, with HTTP
Range requests) and the built viewer; it refuses paths and symlinks that leave the run folder.
\`npm ci\` builds the viewer; when viewer/dist is missing or older than its sources (after editing
the viewer), the next start builds it first (a few seconds, one line).

Options:
  --port N    port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --no-open   print the URL without opening a browser
  --host H    address to bind (default ${DEFAULT_HOST}, this machine only). Another address, e.g.
              0.0.0.0, makes the run readable from the network; over SSH prefer
              \`ssh -L ${DEFAULT_PORT}:127.0.0.1:${DEFAULT_PORT} HOST\` and keep the default

Example:
  acc-lens metrics runs/demo && acc-lens view runs/demo --port 8080`;

const PortSchema = z.coerce.number().int().min(0).max(65_535);

export interface ServeRunOptions {
  runDir: string;
  port?: number;
  host?: string;
  open: boolean;
  say: (line: string) => void;
  /** Resolves when the server should stop (default: Ctrl-C / SIGTERM). */
  until?: Promise<unknown>;
  /** The built viewer (default viewer/dist). */
  assetsDir?: string;
  /** Makes the built viewer current (default: builds viewer/dist when missing or stale). */
  buildAssets?: () => Promise<unknown>;
}

/** Serves `runDir` until `until` resolves (Ctrl-C by default); the port is taken before any build. */
export async function serveRun(options: ServeRunOptions): Promise<void> {
  await checkRunFolder(options.runDir);
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopbackAddress(host))
    options.say(`warning: --host ${host} makes this run readable by anyone who can reach this machine on the network`);
  const server = await startViewServer({
    runDir: options.runDir,
    assetsDir: options.assetsDir ?? DEFAULT_ASSETS_DIR,
    port: options.port ?? DEFAULT_PORT,
    host,
  });
  try {
    await (options.buildAssets ?? (() => ensureViewerBuilt()))();
    options.say(`Viewer for ${options.runDir}: ${server.url}  (Ctrl-C to stop)`);
    if (options.open && !(await openBrowser(server.url))) options.say('Open that address in a browser.');
    await (options.until ?? interrupted());
  } finally {
    await server.close();
  }
  options.say('Viewer stopped.');
}

function interrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const viewCommand: Command = {
  name: 'view',
  summary: 'Serve the viewer for a run on 127.0.0.1: base vs tuned attention, routing and their difference.',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('view', argv, {
      port: { type: 'string' },
      'no-open': { type: 'boolean' },
      host: { type: 'string' },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const [runDir, ...extra] = positionals;
    if (runDir === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens view takes one RUN folder (got ${positionals.length})`, USAGE);
    const port = PortSchema.safeParse(values.port ?? DEFAULT_PORT);
    if (!port.success) fail('E_USAGE', `--port ${values.port}: expected a whole number from 0 to 65535`, USAGE);
    if (values.host !== undefined && values.host.trim() === '') fail('E_USAGE', '--host: expected an address', USAGE);
    await serveRun({
      runDir,
      port: port.data,
      ...(values.host !== undefined ? { host: values.host } : {}),
      open: !values['no-open'],
      say: (line) => process.stdout.write(`${line}\n`),
    });
    return 0;
  },
};
