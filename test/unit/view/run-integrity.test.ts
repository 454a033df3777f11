import { copyFile, mkdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../../analysis/io/file-record.ts';
import { RunWriter } from '../../../analysis/io/index.ts';
import type { FileRecord } from '../../../analysis/schema/manifest.ts';
import { startViewServer, type ViewServer } from '../../../analysis/view/server.ts';
import { httpRunFiles } from '../../../viewer/src/data/http-files.ts';
import { RunDataError } from '../../../viewer/src/data/run-files.ts';
import { PROBE_IDS, probeSet, runInit, tempDir, unitTables } from '../io/fixtures.ts';
import { servedFolders } from './fixtures.ts';

/**
 * The server checks what the manifest records before sending it: a real small run (RunWriter,
 * 2 models × 4 probes, every part hashed), damaged file by file, each test its own unit.
 */
let server: ViewServer;
let runDir: string;
let writer: RunWriter;
const hashed: string[] = [];
const countingHash = (path: string): Promise<FileRecord> => (hashed.push(path), hashFile(path));
const timesHashed = (rel: string) => hashed.filter((p) => p.endsWith(rel)).length;
const url = (rel: string) => `${server.url}run/${rel}`;
const part = (model: string, probe: string, table = 'routing') =>
  `${writer.manifest.units[`${model}/${probe}`]!.dir}/${table}.arrow`;
const [P0, P1, P2, P3] = PROBE_IDS;

beforeAll(async () => {
  runDir = await tempDir('acc-lens-view-integrity-');
  writer = await RunWriter.open(runDir, runInit());
  await writer.writeProbeSet(probeSet().probes, probeSet().segments);
  for (const [i, id] of PROBE_IDS.entries()) {
    await writer.writeUnit('base', id, unitTables(i, 3, 16));
    // tuned/P3 has twice the positions, so its routing part is bigger than the others'.
    await writer.writeUnit('tuned', id, unitTables(10 + i, 3, id === P3 ? 32 : 16));
  }
  server = await startViewServer({
    runDir,
    assetsDir: (await servedFolders()).assets,
    port: 0,
    hash: countingHash,
    log: () => {},
  });
});
afterAll(async () => {
  await server.close();
  await writer.close();
  await rm(runDir, { recursive: true, force: true });
});

async function refusal(
  rel: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; code: string | null }> {
  const r = await fetch(url(rel), init);
  return { status: r.status, body: await r.text(), code: r.headers.get('x-acc-lens-error') };
}

describe('startViewServer: recorded run files are checked against the manifest', () => {
  it('a truncated part → 409 E_RUN_DAMAGED naming the file, both sizes and `acc-lens verify RUN --repair`', async () => {
    const rel = part('base', P0);
    const size = (await readFile(join(runDir, rel))).length;
    await truncate(join(runDir, rel), 100);
    const r = await refusal(rel);
    expect(r.status).toBe(409);
    expect(r.code).toBe('E_RUN_DAMAGED');
    expect(r.body).toContain(`run/${rel}: damaged: 100 bytes, the manifest recorded ${size}`);
    expect(r.body).toContain(
      `Fix: Run \`acc-lens verify ${runDir} --repair\`, then rerun the same \`acc-lens capture\``,
    );
    // A Range read of the footer (what the viewer asks first) is refused too, not answered 206.
    expect((await refusal(rel, { headers: { Range: 'bytes=-16' } })).status).toBe(409);
    expect((await fetch(url(rel), { method: 'HEAD' })).status).toBe(409);
  });

  it('the same size with one byte flipped → 409 naming the sha256 mismatch', async () => {
    const rel = part('base', P1);
    const bytes = await readFile(join(runDir, rel));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await writeFile(join(runDir, rel), bytes);
    const r = await refusal(rel);
    expect(r.status).toBe(409);
    expect(r.body).toContain(`run/${rel}: damaged: sha256 `);
    expect(r.body).toContain('(same size: altered in place)');
    expect(r.body).toContain('acc-lens verify');
  });

  it("another unit's valid part copied over a part → 409, whether its size differs or not", async () => {
    const bigger = part('tuned', P1);
    await copyFile(join(runDir, part('tuned', P3)), join(runDir, bigger));
    const r1 = await refusal(bigger);
    expect(r1.status).toBe(409);
    expect(r1.body).toMatch(/damaged: \d+ bytes, the manifest recorded \d+/);
    const same = part('tuned', P2, 'attention_distance');
    const donor = await readFile(join(runDir, part('tuned', P0, 'attention_distance')));
    expect(donor.length).toBe((await readFile(join(runDir, same))).length);
    await writeFile(join(runDir, same), donor);
    const r2 = await refusal(same);
    expect(r2.status).toBe(409);
    expect(r2.body).toContain(`run/${same}: damaged: sha256`);
  });

  it('a part the manifest lists but that is missing → 404 with the fix; an unlisted missing file → a plain 404', async () => {
    const rel = part('base', P2);
    await rm(join(runDir, rel));
    const listed = await refusal(rel);
    expect(listed.status).toBe(404);
    expect(listed.code).toBe('E_RUN_DAMAGED');
    expect(listed.body).toContain(`run/${rel}: missing (the manifest lists it)`);
    expect(listed.body).toContain('acc-lens verify');
    const unlisted = await refusal('metrics/summary.json');
    expect(unlisted.status).toBe(404);
    expect(unlisted.code).toBeNull();
    expect(unlisted.body).not.toContain('verify');
  });

  it('untouched files are served byte for byte, whole and by Range', async () => {
    for (const rel of ['probes.arrow', part('tuned', P0), part('base', P3, 'attention_rows')]) {
      const disk = new Uint8Array(await readFile(join(runDir, rel)));
      const whole = await fetch(url(rel));
      expect(whole.status, rel).toBe(200);
      expect(new Uint8Array(await whole.arrayBuffer())).toEqual(disk);
      const tail = await fetch(url(rel), { headers: { Range: 'bytes=-16' } });
      expect(tail.status).toBe(206);
      expect(new Uint8Array(await tail.arrayBuffer())).toEqual(disk.subarray(disk.length - 16));
      const middle = await fetch(url(rel), { headers: { Range: 'bytes=8-71' } });
      expect(new Uint8Array(await middle.arrayBuffer())).toEqual(disk.subarray(8, 72));
    }
  });

  it('a file is hashed once per version: repeated and concurrent requests share it, a rewrite rehashes', async () => {
    const rel = part('tuned', P0, 'attention_rows');
    const before = timesHashed(rel);
    await Promise.all(Array.from({ length: 6 }, () => fetch(url(rel)).then((r) => r.arrayBuffer())));
    await fetch(url(rel), { headers: { Range: 'bytes=0-7' } }).then((r) => r.arrayBuffer());
    expect(timesHashed(rel) - before).toBe(1);
    // Same bytes, new mtime: another version of the file as far as the cache knows, so it is hashed again.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(runDir, rel), later, later);
    expect((await fetch(url(rel))).status).toBe(200);
    expect(timesHashed(rel) - before).toBe(2);
  });

  it('files the manifest does not record are served unchecked: metrics/, the manifest, an unfinished unit', async () => {
    await mkdir(join(runDir, 'metrics'), { recursive: true });
    await writeFile(join(runDir, 'metrics', 'summary.json'), '{}\n');
    const unfinished = 'parts/base/not-yet/routing.arrow';
    await mkdir(join(runDir, 'parts', 'base', 'not-yet'), { recursive: true });
    await writeFile(join(runDir, unfinished), 'half a part');
    for (const rel of ['metrics/summary.json', 'manifest.json', unfinished]) {
      const r = await fetch(url(rel));
      expect(r.status, rel).toBe(200);
      expect(timesHashed(rel), rel).toBe(0);
    }
  });

  it('the manifest is re-read when it changes: a unit redone after the server started is checked against its new record', async () => {
    const redone = part('base', P0);
    expect((await refusal(redone)).status).toBe(409); // truncated above
    // Other values (seed 7, not 0): against the record the server first loaded, these bytes would be damage.
    await writer.writeUnit('base', P0, unitTables(7, 3, 16));
    const r = await fetch(url(redone));
    expect(r.status).toBe(200);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(new Uint8Array(await readFile(join(runDir, redone))));
    await truncate(join(runDir, redone), 10);
    expect((await refusal(redone)).status).toBe(409);
  });
});

describe('httpRunFiles: the server’s refusal reaches the viewer as a RunDataError with the file and the fix', () => {
  const files = () => httpRunFiles(`${server.url}run`);
  const caught = async (p: Promise<unknown>): Promise<RunDataError> => {
    const error = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunDataError);
    return error as RunDataError;
  };

  it('bytes, size (HEAD) and range of a damaged part all throw the server’s text', async () => {
    const rel = part('tuned', P1);
    for (const e of [
      await caught(files().bytes(rel)),
      await caught(files().size(rel)),
      await caught(files().range(rel, 0, 16)),
    ]) {
      expect(e.file).toBe(rel);
      expect(e.message).toMatch(
        new RegExp(`^${rel}: damaged: \\d+ bytes, the manifest recorded \\d+ \\(E_RUN_DAMAGED\\)$`),
      );
      expect(e.fix).toBe(
        `Run \`acc-lens verify ${runDir} --repair\`, then rerun the same \`acc-lens capture\` command: it redoes only the damaged units.`,
      );
    }
  });

  it('a listed part that is missing throws (it is not "absent"); an unlisted file is still null', async () => {
    const e = await caught(files().bytes(part('base', P2)));
    expect(e.message).toContain('missing (the manifest lists it)');
    expect(e.fix).toContain('acc-lens verify');
    expect((await caught(files().size(part('base', P2)))).message).toContain('missing (the manifest lists it)');
    expect(await files().bytes('metrics/none.json')).toBeNull();
    expect(await files().size('metrics/none.json')).toBeNull();
  });
});
