import { copyFileSync, cpSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewServer } from '../../analysis/view/server.ts';
import { DAMAGED_FILE, fixtureRuns, SINGLE_MODEL_NAME, type FixtureRuns } from './fixture-runs.ts';
import { launchChromium, saveScreenshot, serveRun, settled, watchPage, type PageWatch } from './harness.ts';
import { readCharts } from './page-read.ts';

/**
 * What the page shows for runs that are not a complete pair, and what the server refuses: a
 * damaged metrics file, a damaged or swapped part, a run without metrics/, a single-model run,
 * and path traversal.
 */
let runs: FixtureRuns;
let browser: Browser;
const servers: ViewServer[] = [];
const copies: string[] = [];

beforeAll(async () => {
  runs = await fixtureRuns();
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** Parts the Attention view reads for its first probe (tuned side), and valid parts of another unit. */
const ROWS = 'parts/tuned/mrcr-2n-0/attention_rows.arrow';
const SEGMENTS = 'parts/tuned/mrcr-2n-0/attention_segments.arrow';
const otherUnits = (part: string) => part.replace('mrcr-2n-0', 'acc_sql-0');
const truncateHalf = (path: string) => truncateSync(path, Math.floor(statSync(path).size / 2));

/** A copy of the pair run with one part damaged by `damage(path, run)`; removed after the tests. */
function damagedCopy(part: string, damage: (path: string, run: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'acc-lens-browser-part-'));
  copies.push(dir);
  const run = join(dir, 'run');
  cpSync(runs.pair, run, { recursive: true });
  damage(join(run, part), run);
  return run;
}

async function serve(runDir: string): Promise<ViewServer> {
  const s = await serveRun(runDir);
  servers.push(s);
  return s;
}

async function open(
  server: ViewServer,
  query: string,
  allow: string[] = [],
): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const watch = watchPage(page);
  for (const path of allow) watch.allow(path);
  await page.goto(`${server.url}${query}`);
  await settled(page, watch);
  return { page, watch };
}

/** GET with the path sent exactly as written (fetch and browsers would resolve `..` first). */
function rawGet(server: ViewServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the server refuses path traversal', () => {
  it.each([
    '/run/../package.json',
    '/run/%2e%2e/package.json',
    '/run/%2E%2E/%2E%2E/package.json',
    '/run/..%2fpackage.json',
    '/run/..%5cpackage.json',
    '/../package.json',
  ])('GET %s → 403, not the file', async (path) => {
    const server = await serve(runs.pair);
    const { status, body } = await rawGet(server, path);
    expect(status).toBe(403);
    expect(body).not.toContain('"name": "acc-lens"');
  });

  it('a request from the page with an encoded slash is refused, while run files are served', async () => {
    const server = await serve(runs.pair);
    const { page } = await open(server, '?view=probes');
    const answers = await page.evaluate(async () => {
      const get = async (p: string) => {
        const r = await fetch(p);
        return { status: r.status, body: await r.text() };
      };
      return { escaped: await get('/run/..%2f..%2fpackage.json'), manifest: await get('/run/manifest.json') };
    });
    expect(answers.escaped.status).toBe(403);
    expect(answers.escaped.body).not.toContain('"name": "acc-lens"');
    expect(answers.manifest.status).toBe(200);
    expect(JSON.parse(answers.manifest.body)).toHaveProperty('schema_version');
    await page.close();
  });
});

describe('runs that are not a complete pair', () => {
  it('a truncated metrics table shows an in-page error naming the file and the fix', async () => {
    const server = await serve(runs.damaged);
    const { page, watch } = await open(server, '?view=attention');
    await saveScreenshot(page, 'damaged-run');
    const panel = page.locator('[data-error]');
    await expect(panel.count()).resolves.toBe(1);
    const text = await panel.innerText();
    expect(text).toContain('This run cannot be opened');
    expect(text).toContain(`File: ${DAMAGED_FILE}`);
    expect(text).toContain('is not a readable Arrow IPC file');
    expect(text).toMatch(/Fix:.*acc-lens metrics RUN/);
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it.each([
    ['truncated (attention rows)', ROWS, truncateHalf, /damaged: \d+ bytes/],
    [
      'swapped for another unit’s valid part (attention rows)',
      ROWS,
      (path: string, run: string) => copyFileSync(join(run, otherUnits(ROWS)), path),
      /damaged: (\d+ bytes|sha256)/,
    ],
    ['truncated (segment masses)', SEGMENTS, truncateHalf, /damaged: \d+ bytes/],
  ] as const)(
    'a part %s shows the damaged-run panel naming the file and `acc-lens verify`',
    async (kind, part, damage, what) => {
      const server = await serve(damagedCopy(part, damage));
      const { page, watch } = await open(server, '?view=attention', [`/run/${part}`]);
      await saveScreenshot(page, `damaged-part-${part.split('/').at(-1)?.replace('.arrow', '')}-${kind.split(' ')[0]}`);
      const panel = page.locator('[data-error]');
      await expect(panel.count()).resolves.toBe(1);
      const text = await panel.innerText();
      expect(text).toContain(`File: ${part}`);
      expect(text).toMatch(what);
      expect(text).toContain('the manifest recorded');
      expect(text).toMatch(/Fix: Run `acc-lens verify \S+ --repair`, then rerun the same `acc-lens capture` command/);
      expect(text).not.toContain('the server answered');
      // Only the refusal of the damaged file was an HTTP error: no console error, no other failed request.
      expect(watch.problems).toEqual([]);
      await page.close();
    },
  );

  it('a run without metrics/ says to run `acc-lens metrics RUN` and still shows the probe strips', async () => {
    const server = await serve(runs.noMetrics);
    const allow = ['/run/metrics/summary.json'];
    const { page, watch } = await open(server, '?view=overview', allow);
    await saveScreenshot(page, 'no-metrics-overview');
    expect(await page.locator('[data-notice]').innerText()).toContain('Run `acc-lens metrics RUN`, then reload.');
    expect(await page.locator('[data-error]').count()).toBe(0);
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.locator('[data-provenance]').innerText()).toContain('model tuned');
    await page.close();

    const attention = await open(server, '?view=attention', allow);
    await saveScreenshot(attention.page, 'no-metrics-attention');
    const ids = (await readCharts(attention.page)).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['context-overview', 'attention-strip']));
    expect(ids).not.toContain('head-grid-delta');
    expect(await attention.page.locator('[data-error]').count()).toBe(0);
    expect([...watch.problems, ...attention.watch.problems]).toEqual([]);
    await attention.page.close();
  });

  it.each(['overview', 'attention', 'experts', 'probes'])(
    'a single-model run shows ?view=%s for that model alone, without comparisons or errors',
    async (view) => {
      const server = await serve(runs.single);
      const { page, watch } = await open(server, `?view=${view}`, ['/run/metrics/summary.json']);
      await saveScreenshot(page, `single-model-${view}`);
      expect(await page.locator('[data-notice]').innerText()).toContain('This run holds one model');
      expect(await page.locator('[data-error]').count()).toBe(0);
      const charts = await readCharts(page);
      const text = charts.flatMap((c) => c.texts).join('\n');
      expect(text).not.toMatch(/\btuned\b|\bdiffer\b|Δ/);
      if (view === 'attention') expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['attention-strip']));
      if (view === 'experts') expect(charts.map((c) => c.id)).toContain('routing-strip');
      if (view === 'attention' || view === 'experts') expect(text).toContain(SINGLE_MODEL_NAME);
      expect(watch.problems).toEqual([]);
      await page.close();
    },
  );
});
