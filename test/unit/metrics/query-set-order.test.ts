import { beforeAll, describe, expect, it, vi } from 'vitest';
import { writeRandomRun } from './random-run.ts';

const SCHEMA = '../../../analysis/schema/query-sets.ts';
const OPTIONS = {
  resamples: 60,
  permutations: 60,
  seed: 5,
  alpha: 0.05,
  method: 'percentile',
  selectOn: 'half',
  models: ['base', 'tuned'],
} as const;

/** Metrics of `run` computed by a fresh copy of the metrics code that sees `QUERY_SETS` in `order`. */
async function metricsWith(run: string, order: readonly string[]): Promise<string> {
  vi.resetModules();
  vi.doMock(SCHEMA, () => ({ QUERY_SETS: order }));
  const { QUERY_SETS } = await import(SCHEMA);
  expect(QUERY_SETS).toEqual(order);
  const { openRun } = await import('../../../analysis/io/index.ts');
  const { runSource } = await import('../../../analysis/cli/commands/metrics.ts');
  const { computeMetrics } = await import('../../../analysis/metrics/run/compute-run.ts');
  const out = await computeMetrics(runSource(await openRun(run)), { ...OPTIONS, models: ['base', 'tuned'] });
  vi.doUnmock(SCHEMA);
  const { seconds: _wallClock, ...summary } = out.summary;
  return JSON.stringify({ tables: out.tables, summary });
}

let run: string;
beforeAll(async () => {
  run = await writeRandomRun();
}, 60_000);

describe('the metrics stage does not depend on the order of QUERY_SETS', () => {
  it('every table and the summary are identical with QUERY_SETS reversed and rotated', async () => {
    const reference = await metricsWith(run, ['answer', 'last', 'question', 'all']);
    expect(reference).toContain('"query_set":"last"');
    for (const order of [
      ['all', 'question', 'last', 'answer'],
      ['last', 'question', 'all', 'answer'],
    ]) {
      const permuted = await metricsWith(run, order);
      expect(permuted.length, order.join(',')).toBe(reference.length);
      expect(permuted === reference, order.join(',')).toBe(true);
    }
  }, 120_000);
});
