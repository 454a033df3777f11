import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRun, readTable } from '../../analysis/io/index.ts';
import { decodeTable } from '../../analysis/schema/decode.ts';
import { SEGMENTS } from '../../analysis/schema/segments.ts';
import type { ViewServer } from '../../analysis/view/server.ts';
import { fixtureRuns, LONG_PROBE_ID } from './fixture-runs.ts';
import { ARTIFACTS, launchChromium, saveScreenshot, serveRun, settled, watchPage } from './harness.ts';

/**
 * Zooming with the brush over a long probe (down to its token text, evidence highlighted) and
 * exporting a panel as SVG and PNG, in real Chromium on the reference-pair fixture.
 */
let server: ViewServer;
let browser: Browser;
let evidence: { start: number; end: number };
let nTokens: number;

beforeAll(async () => {
  const runs = await fixtureRuns();
  [server, browser] = await Promise.all([serveRun(runs.pair), launchChromium()]);
  const run = await openRun(runs.pair);
  const seg = decodeTable(SEGMENTS, await readTable(run, 'segments'));
  const mine = (seg.probe_id as string[]).flatMap((id, i) => (id === LONG_PROBE_ID ? [i] : []));
  const ev = mine.find((i) => seg.kind![i] === 'evidence')!;
  evidence = { start: Number(seg.token_start![ev]), end: Number(seg.token_end![ev]) };
  nTokens = Math.max(...mine.map((i) => Number(seg.token_end![i])));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const EVIDENCE_BG = 'rgba(0, 158, 115, 0.25)'; // segmentColor('evidence') at alpha 0x40
const TUNED_INK = 'rgb(213, 94, 0)'; // MODEL_STYLE.tuned

describe('the whole-context brush', () => {
  it('dragging over the strip narrows the window in the URL and shows the token text with the evidence highlighted', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const watch = watchPage(page);
    await page.goto(`${server.url}?view=attention&probe=${LONG_PROBE_ID}`);
    await settled(page, watch);
    // Longer than the text limit: no token text until zoomed.
    expect(await page.locator('[data-token-text]').count()).toBe(0);
    await expect(page.getByText('Zoom to 1,200 tokens or fewer').isVisible()).resolves.toBe(true);

    const want = { start: Math.max(0, evidence.start - 60), end: Math.min(nTokens, evidence.end + 60) };
    const box = (await page.locator('figure.chart[data-chart="context-overview"] svg.brush').boundingBox())!;
    const at = (p: number) => box.x + (p / nTokens) * box.width;
    await page.mouse.move(at(want.start), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(at(want.end), box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await settled(page, watch);

    const w = new URL(page.url()).searchParams.get('w');
    expect(w).toMatch(/^\d+-\d+$/);
    const [a, b] = w!.split('-').map(Number) as [number, number];
    const tokensPerPixel = nTokens / box.width;
    expect(Math.abs(a - want.start)).toBeLessThanOrEqual(Math.ceil(tokensPerPixel) + 1);
    expect(Math.abs(b - want.end)).toBeLessThanOrEqual(Math.ceil(tokensPerPixel) + 1);
    const zoomed = page.locator('figure.chart[data-chart="attention-strip"] .canvas > svg > text');
    expect(await zoomed.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(`tokens ${a}–${b} of ${nTokens}`)]),
    );

    const spans = await page.locator('[data-token-text] span.tok').evaluateAll((els) =>
      els.map((e) => ({
        position: Number(/^position (\d+)/.exec(e.getAttribute('title') ?? '')?.[1]),
        background: getComputedStyle(e).backgroundColor,
        shadow: getComputedStyle(e).boxShadow,
      })),
    );
    expect(spans.map((s) => s.position)).toEqual(Array.from({ length: b - a }, (_, i) => a + i));
    const highlighted = spans.filter((s) => s.background === EVIDENCE_BG).map((s) => s.position);
    const inWindow = Array.from({ length: evidence.end - evidence.start }, (_, i) => evidence.start + i).filter(
      (p) => p >= a && p < b,
    );
    expect(highlighted).toEqual(inWindow);
    // The tuned model's attention lands on the evidence: its marks are on evidence tokens.
    const tunedMarked = spans.filter((s) => s.shadow.includes(TUNED_INK)).map((s) => s.position);
    expect(tunedMarked.filter((p) => inWindow.includes(p)).length).toBeGreaterThan(0);
    await saveScreenshot(page, 'attention-brushed-evidence');
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});

describe('panel export', () => {
  async function download(
    page: Page,
    chartId: string,
    button: 'SVG' | 'PNG',
  ): Promise<{ name: string; bytes: Buffer }> {
    const card = page.locator(`figure.chart[data-chart="${chartId}"]`);
    await card.hover();
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: button }).click(),
    ]);
    const path = join(ARTIFACTS, `export-${file.suggestedFilename()}`);
    await file.saveAs(path);
    return { name: file.suggestedFilename(), bytes: readFileSync(path) };
  }

  it('the SVG button of the Δ head grid downloads well-formed SVG with its size, viewBox and title', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const watch = watchPage(page);
    await page.goto(`${server.url}?view=attention`);
    await settled(page, watch);
    const { name, bytes } = await download(page, 'head-grid-delta', 'SVG');
    expect(name).toBe('head-grid-delta.svg');
    const text = bytes.toString('utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    // The browser's XML parser is strict: any ill-formed markup yields a <parsererror> document.
    const parsed = await page.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'image/svg+xml');
      const root = doc.documentElement;
      return {
        error: doc.getElementsByTagName('parsererror').length > 0 ? root.textContent : null,
        root: root.localName,
        ns: root.namespaceURI,
        width: root.getAttribute('width'),
        height: root.getAttribute('height'),
        viewBox: root.getAttribute('viewBox'),
        texts: [...root.querySelectorAll('text')].map((t) => t.textContent),
      };
    }, text);
    expect(parsed.error).toBeNull();
    expect(parsed.root).toBe('svg');
    expect(parsed.ns).toBe('http://www.w3.org/2000/svg');
    const [w, h] = [Number(parsed.width), Number(parsed.height)];
    expect(w).toBeGreaterThan(100);
    expect(h).toBeGreaterThan(100);
    expect(parsed.viewBox).toBe(`0 0 ${parsed.width} ${parsed.height}`);
    expect(parsed.texts).toContain('Δ evidence lift (× uniform) per head');
    expect(parsed.texts).toContain('Δ evidence lift (× uniform), tuned − base');
    for (const label of ['head', 'layer']) expect(parsed.texts).toContain(label);

    const png = await download(page, 'head-grid-delta', 'PNG');
    expect(png.name).toBe('head-grid-delta.png');
    const image = decode(png.bytes);
    expect([image.width, image.height]).toEqual([Math.round(w * 3), Math.round(h * 3)]);
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});
