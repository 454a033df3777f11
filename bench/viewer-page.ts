// In-page timing for the viewer benchmark: every time is taken inside Chromium with
// performance.now(), from an input event (or navigation start) to the first paint after the chart
// the user waits for is in the DOM, so the Playwright round trips are not counted.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** Installed before the page's scripts: records when matching charts appear and when they have been painted. */
export const TIMING_SCRIPT = `
window.__bench = { marks: {}, waits: [] };
window.__bench.await = (name, test) => new Promise((resolve) => {
  const check = () => {
    if (window.__bench.marks[name] !== undefined || !test()) return false;
    window.__bench.marks[name] = { dom: performance.now() };
    // The frame after the change: rAF runs before that frame paints; the task after it, after the paint.
    requestAnimationFrame(() => setTimeout(() => { window.__bench.marks[name].painted = performance.now(); resolve(window.__bench.marks[name]); }, 0));
    return true;
  };
  if (check()) return;
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
});
for (const type of ['mouseup', 'change']) window.addEventListener(type, (e) => { window.__bench.last = { type, at: performance.now() }; }, true);
`;

type Mark = { dom: number; painted: number };
type Bench = {
  __bench: { await: (n: string, f: () => boolean) => Promise<Mark>; pending: Record<string, Promise<Mark>> };
};

/**
 * Starts watching the page for `test` (a JS expression) to hold — checked now and on every DOM
 * change — and returns a function that waits for it and gives its DOM and paint times (ms since
 * navigation). Arm before the input that should cause it, so the watch is in place first. Gives
 * up after `timeoutMs`, saving a screenshot of what the page showed.
 */
export async function arm(page: Page, name: string, test: string, timeoutMs = 180_000): Promise<() => Promise<Mark>> {
  await page.evaluate(
    ([n, t]) => {
      const b = (window as unknown as Bench).__bench;
      b.pending ??= {};
      b.pending[n!] = b.await(n!, new Function(`return (${t});`) as () => boolean);
    },
    [name, test],
  );
  return async () => {
    const wait = page.evaluate((n) => (window as unknown as Bench).__bench.pending[n]!, name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(async () => {
        const shot = `tmp/bench-viewer/timeout-${name}.png`;
        await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
        reject(new Error(`bench viewer: "${name}" did not happen within ${timeoutMs / 1000} s (${test}); see ${shot}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([wait, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Waits until `test` holds (see `arm`). */
export const until = async (page: Page, name: string, test: string): Promise<Mark> => (await arm(page, name, test))();

/** Time of the last input event (mouseup / change) the page saw, ms since navigation. */
export const lastInput = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { __bench: { last: { at: number } } }).__bench.last.at);

/** Navigation milestones of the current document (ms since navigation start). */
export async function navigationTimes(page: Page): Promise<{ domContentLoaded: number; load: number }> {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
}

/** `data-render-ms` the chart card recorded for its last drawing. */
export const renderMs = (page: Page, chartId: string): Promise<number> =>
  page
    .locator(`figure.chart[data-chart="${chartId}"] .canvas`)
    .getAttribute('data-render-ms')
    .then((v) => Number(v));

/** A chart's title (its first SVG text), as a JS expression for `until`. */
export const titleIs = (chartId: string, includes: string): string =>
  `(document.querySelector('figure.chart[data-chart="${chartId}"] .canvas > svg > text')?.textContent ?? '').includes(${JSON.stringify(includes)})`;

/** The JS heap of the page's main thread after a garbage collection (CDP Performance.getMetrics). */
export async function pageHeap(page: Page): Promise<Record<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const pick = (n: string) => metrics.find((m) => m.name === n)?.value ?? NaN;
  return {
    js_heap_used_mb: +(pick('JSHeapUsedSize') / 2 ** 20).toFixed(1),
    js_heap_total_mb: +(pick('JSHeapTotalSize') / 2 ** 20).toFixed(1),
    dom_nodes: pick('Nodes'),
  };
}

/** Resident memory of this process's descendants (Chromium's browser, renderer, GPU and utility processes), from /proc. */
export function chromiumRss(rootPid = process.pid): { total_mb: number; renderer_mb: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  let [total, renderer, count] = [0, 0, 0];
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    try {
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chrom')) continue;
      total += kb;
      count += 1;
      if (cmd.includes('--type=renderer')) renderer += kb;
    } catch {
      // Gone.
    }
  }
  return { total_mb: +(total / 1024).toFixed(0), renderer_mb: +(renderer / 1024).toFixed(0), processes: count };
}

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const round = (v: number): number => Number(v.toFixed(1));
