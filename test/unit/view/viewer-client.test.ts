import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRun, readPart, RunWriter } from '../../../analysis/io/index.ts';
import { ROUTING } from '../../../analysis/schema/routing.ts';
import { startViewServer, type ViewServer } from '../../../analysis/view/server.ts';
import { openBatched, readLayer } from '../../../viewer/src/data/arrow-read.ts';
import { httpRunFiles } from '../../../viewer/src/data/http-files.ts';
import { probeSet, runInit, tempDir, unitTables } from '../io/fixtures.ts';
import { servedFolders } from './fixtures.ts';

let server: ViewServer;
let runDir: string;

beforeAll(async () => {
  runDir = await tempDir();
  const writer = await RunWriter.open(runDir, runInit());
  await writer.writeProbeSet(probeSet().probes, probeSet().segments);
  await writer.writeUnit('tuned', 'mrcr/0001', unitTables(1, 4, 64));
  await writer.close();
  server = await startViewServer({ runDir, assetsDir: (await servedFolders()).assets, port: 0 });
});
afterAll(() => server.close());

describe('the viewer’s HTTP client against the server (the /run/ contract)', () => {
  it('httpRunFiles: bytes, size by HEAD, byte ranges, and null for a missing file', async () => {
    const files = httpRunFiles(`${server.url}run`);
    const manifest = await files.bytes('manifest.json');
    expect(JSON.parse(new TextDecoder().decode(manifest ?? new Uint8Array()))).toHaveProperty('units');
    const run = await openRun(runDir);
    const part = run.manifest.units['tuned/mrcr/0001']?.files.find((f) => f.endsWith('routing.arrow')) ?? '';
    const size = await files.size(part);
    const whole = await files.bytes(part);
    expect(size).toBe(whole?.length);
    expect(await files.range(part, 10, 30)).toEqual(whole?.subarray(10, 30));
    expect(await files.bytes('metrics/summary.json')).toBeNull();
    expect(await files.size('metrics/summary.json')).toBeNull();
  });

  it('one layer of a routing part read through the footer over Range equals readPart from disk', async () => {
    const statuses: number[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (new Headers(init?.headers).has('range')) statuses.push(response.status);
      return response;
    };
    const files = httpRunFiles(`${server.url}run`, recording);
    const run = await openRun(runDir);
    const part = run.manifest.units['tuned/mrcr/0001']?.files.find((f) => f.endsWith('routing.arrow')) ?? '';
    const file = await openBatched(files, part);
    expect(file?.numBatches).toBe(4);
    const layer2 = await readLayer(file!, 2, ROUTING);
    const fromDisk = await readPart(run, 'routing', { model: 'tuned', probeId: 'mrcr/0001', layer: 2 });
    expect(Array.from(layer2?.expert as ArrayLike<number>)).toEqual(Array.from(fromDisk.getChild('expert')!.toArray()));
    expect(layer2?.expert?.length).toBe(64 * 2);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 206)).toBe(true);
  });
});
