import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../analysis/view/server.ts';
import { ensureViewerBuilt } from '../../analysis/view/viewer-build.ts';
import { alive, withLock } from './lock.ts';

/** Debian's Chromium (`apt-get install chromium`); ACC_LENS_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.ACC_LENS_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve('tmp', 'browser-artifacts');
const VIEWER_ROOT = resolve('tmp', 'browser-viewer');
const DIST = join(VIEWER_ROOT, 'dist');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium, or fails saying how to install it (browser tests are never skipped). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (Debian/Ubuntu), or set ACC_LENS_CHROMIUM to a Chromium binary.`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The viewer built from the current sources, as a copy private to this test session (one vitest
 * run: its worker processes share a parent), so that no later build — by another test file,
 * another session or `acc-lens view` — can empty the folder under a page that is loading from it.
 * The build itself is cached in tmp/browser-viewer/dist and redone only when its sources changed.
 */
export async function viewerDist(): Promise<string> {
  const session = join(VIEWER_ROOT, `session-${process.ppid}`);
  if (existsSync(join(session, 'index.html'))) return session;
  mkdirSync(VIEWER_ROOT, { recursive: true });
  await withLock(join(VIEWER_ROOT, 'build.lock'), async () => {
    if (existsSync(join(session, 'index.html'))) return;
    await ensureViewerBuilt({ distDir: DIST, write: (s) => process.stderr.write(s) });
    for (const name of readdirSync(VIEWER_ROOT)) {
      const pid = /^session-(\d+)$/.exec(name)?.[1];
      if (pid !== undefined && !alive(Number(pid))) rmSync(join(VIEWER_ROOT, name), { recursive: true, force: true });
    }
    rmSync(`${session}.partial`, { recursive: true, force: true });
    cpSync(DIST, `${session}.partial`, { recursive: true });
    renameSync(`${session}.partial`, session);
  });
  return session;
}

/** Serves `runDir` with the tests' viewer build on a free loopback port. */
export async function serveRun(runDir: string): Promise<ViewServer> {
  return startViewServer({ runDir, assetsDir: await viewerDist(), port: 0, log: () => {} });
}

export interface PageWatch {
  /** Console errors and warnings, uncaught exceptions, failed requests, HTTP errors not allowed. */
  problems: string[];
  /** Lets a test expect one HTTP error answer for a path (e.g. a run without metrics/ has no summary.json). */
  allow: (path: string) => void;
  /** Resolves once no request has been in flight for `quietMs`. */
  idle: (quietMs?: number, timeoutMs?: number) => Promise<void>;
}

/** Watches a page for everything a user could see as a problem, and for its network going quiet. */
export function watchPage(page: Page): PageWatch {
  const problems: string[] = [];
  const allowed = new Set<string>();
  let inFlight = 0;
  let lastChange = Date.now();
  const settle = (d: number) => {
    inFlight += d;
    lastChange = Date.now();
  };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', () => settle(1));
  page.on('requestfinished', () => settle(-1));
  page.on('requestfailed', (r) => {
    settle(-1);
    // Playwright reports body-less answers (HEAD, 204) as net::ERR_ABORTED although the page got
    // them (microsoft/playwright#32752); the page's own handling of them is checked by its output.
    if (r.method() !== 'HEAD') problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowed.has(new URL(r.url()).pathname)) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return {
    problems,
    allow: (path) => allowed.add(path),
    idle: async (quietMs = 400, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 || Date.now() - lastChange < quietMs) {
        if (Date.now() > deadline)
          throw new Error(`the page kept loading for ${timeoutMs} ms (${inFlight} requests open)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Saves a full-page screenshot under tmp/browser-artifacts/ (reviewed by hand, kept out of git). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until the page has finished loading: its network quiet, no "Loading…" line left, two frames painted. */
export async function settled(page: Page, watch: PageWatch, timeout = 30_000): Promise<void> {
  await watch.idle(400, timeout);
  await page.waitForFunction(
    () => document.querySelector('main') !== null && document.querySelector('[aria-busy="true"]') === null,
    undefined,
    { timeout },
  );
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}
