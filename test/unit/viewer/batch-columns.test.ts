import { beforeAll, describe, expect, it } from 'vitest';
import { openRun, readPart, RunWriter, type Run } from '../../../analysis/io/index.ts';
import { nodeRunFiles } from '../../../analysis/io/node-run-files.ts';
import { ATTENTION_ROWS } from '../../../analysis/schema/attention-rows.ts';
import { ROUTING } from '../../../analysis/schema/routing.ts';
import { narrow, openBatched } from '../../../viewer/src/data/arrow-read.ts';
import { BatchedCache, loadRoutingGrid, loadSegmentMass } from '../../../viewer/src/data/probe-data.ts';
import type { RunFiles } from '../../../viewer/src/data/run-files.ts';
import { probeSet, runInit, tempDir, unitTables } from '../io/fixtures.ts';

const LAYERS = 5;
const POSITIONS = 40;
const UNIT = 'tuned/mrcr/0001';
let dir: string;
let run: Run;

beforeAll(async () => {
  dir = await tempDir('acc-lens-viewer-columns-');
  const w = await RunWriter.open(dir, runInit());
  await w.writeProbeSet(probeSet().probes, probeSet().segments);
  await w.writeUnit('tuned', 'mrcr/0001', unitTables(3, LAYERS, POSITIONS));
  await w.close();
  run = await openRun(dir);
});

/** nodeRunFiles that records every byte range asked for. */
function recorded(): { files: RunFiles; ranges: [string, number, number][] } {
  const inner = nodeRunFiles(dir);
  const ranges: [string, number, number][] = [];
  return {
    ranges,
    files: {
      ...inner,
      range: (path, start, end) => (ranges.push([path, start, end]), inner.range(path, start, end)),
    },
  };
}

const partFile = (table: string) => run.manifest.units[UNIT]!.files.find((f) => f.endsWith(`/${table}.arrow`))!;
const values = (v: ArrayLike<number>) => Array.from(v);

describe('reading only some columns of a record batch', () => {
  it('fixed-width columns read alone equal the same columns of the whole batch, for every layer', async () => {
    const file = (await openBatched(nodeRunFiles(dir), partFile('routing')))!;
    const some = narrow(ROUTING, ['position', 'rank', 'expert']);
    for (let i = 0; i < file.numBatches; i++) {
      const whole = await file.readBatch(i, ROUTING);
      const part = await file.readBatch(i, some);
      expect(Object.keys(part).sort()).toEqual(['expert', 'position', 'rank']);
      for (const name of ['position', 'rank', 'expert'])
        expect(values(part[name] as ArrayLike<number>)).toEqual(values(whole[name] as ArrayLike<number>));
    }
  });

  it('fetches only those columns’ bytes: fewer than the batch holds', async () => {
    const { files, ranges } = recorded();
    const file = (await openBatched(files, partFile('routing')))!;
    const opened = ranges.length;
    await file.readBatch(2, narrow(ROUTING, ['rank', 'expert']));
    const read = ranges.slice(opened).reduce((n, [, a, b]) => n + (b - a), 0);
    // rank + expert are int16: 2 bytes each per row, plus the batch's metadata message (< 1 KB).
    expect(read).toBeLessThan(POSITIONS * 2 * 4 + 1024);
    expect(ranges.length - opened).toBe(2);
  });

  it('columns that need a dictionary or offsets (query_set) fall back to the whole batch, decoding only what was asked', async () => {
    const file = (await openBatched(nodeRunFiles(dir), partFile('attention_rows')))!;
    const cols = await file.readBatch(0, narrow(ATTENTION_ROWS, ['query_set', 'key_pos']));
    expect(Object.keys(cols).sort()).toEqual(['key_pos', 'query_set']);
    expect(cols.query_set).toEqual(['last', 'last', 'answer']);
    expect(values(cols.key_pos as ArrayLike<number>)).toEqual([10, 3, 0]);
  });

  it('concurrent reads of one file (both paths) give each batch its own rows', async () => {
    const file = (await openBatched(nodeRunFiles(dir), partFile('routing')))!;
    const all = await Promise.all(
      Array.from({ length: file.numBatches }, (_, i) =>
        Promise.all([file.readBatch(i, ROUTING), file.readBatch(i, narrow(ROUTING, ['expert']))]),
      ),
    );
    const layers = file.batchKeys<number>('acc_lens.batch_layers');
    for (const [i, [whole, part]] of all.entries()) {
      expect(new Set(values(whole.layer as ArrayLike<number>))).toEqual(new Set([layers[i]]));
      expect(values(part.expert as ArrayLike<number>)).toEqual(values(whole.expert as ArrayLike<number>));
    }
  });
});

describe('the per-probe loaders on column reads', () => {
  it('loadRoutingGrid: the rank-0 expert of every layer and position, as readPart gives them', async () => {
    const unit = run.manifest.units[UNIT]!;
    const progress: number[] = [];
    const grid = (await loadRoutingGrid(new BatchedCache(nodeRunFiles(dir)), unit, POSITIONS, (d) =>
      progress.push(d),
    ))!;
    expect(grid.layers).toHaveLength(LAYERS);
    expect(grid.k).toBe(2);
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    let maxExpert = 0;
    for (const [li, layer] of grid.layers.entries()) {
      const t = await readPart(run, 'routing', { model: 'tuned', probeId: 'mrcr/0001', layer });
      const [pos, rank, expert] = ['position', 'rank', 'expert'].map((c) => values(t.getChild(c)!.toArray()));
      const want = new Array(POSITIONS).fill(-1);
      pos!.forEach((p, i) => rank![i] === 0 && (want[p] = expert![i]));
      maxExpert = Math.max(maxExpert, ...expert!);
      expect(values(grid.top1.subarray(li * POSITIONS, (li + 1) * POSITIONS))).toEqual(want);
    }
    expect(grid.maxExpert).toBe(maxExpert);
  });

  it('loadSegmentMass reads one head of a layer from its columns alone', async () => {
    const unit = run.manifest.units[UNIT]!;
    const mass = (await loadSegmentMass(new BatchedCache(nodeRunFiles(dir)), unit, 0, 1))!;
    expect(values(mass.querySegment)).toEqual([1]);
    expect(values(mass.keySegment)).toEqual([-1]);
    expect(values(mass.mass)).toEqual([0.25]);
    expect(values(mass.nQueries)).toEqual([14]);
  });
});

describe('Range requests of a batched file', () => {
  it('opening a large file reads its start and its tail (footer) once each; a layer adds at most its metadata and its body', async () => {
    const big = await tempDir('acc-lens-viewer-big-');
    const w = await RunWriter.open(big, runInit());
    await w.writeProbeSet(probeSet().probes, probeSet().segments);
    await w.writeUnit('base', 'mrcr/0001', unitTables(4, 4, 4000));
    await w.close();
    const path = (await openRun(big)).manifest.units['base/mrcr/0001']!.files.find((f) =>
      f.endsWith('/routing.arrow'),
    )!;
    const inner = nodeRunFiles(big);
    const ranges: [number, number][] = [];
    const files: RunFiles = { ...inner, range: (p, a, b) => (ranges.push([a, b]), inner.range(p, a, b)) };
    const size = (await inner.size(path))!;
    expect(size).toBeGreaterThan(2 * (1 << 18));
    const file = (await openBatched(files, path))!;
    expect(ranges).toEqual([
      [0, 1 << 18],
      [size - (1 << 18), size],
    ]);
    const layer = await file.readBatch(1, ROUTING);
    expect(layer.expert).toHaveLength(4000 * 2);
    expect(ranges.length).toBeLessThanOrEqual(4);
  });
});
