// Arrow run-store throughput: write and read a 1M-row routing part (8 layers × 15,625 tokens × top-8).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportParquet, openRun, readPart, RunWriter, type RunInit } from '../analysis/io/index.ts';
import { decodeTable, TABLES } from '../analysis/schema/index.ts';

const LAYERS = 8;
const POSITIONS = 15_625;
const TOP_K = 8;
const REPEATS = 3;

function routingBatch() {
  const n = LAYERS * POSITIONS * TOP_K;
  const layer = new Int16Array(n);
  const position = new Int32Array(n);
  const rank = new Int16Array(n);
  const expert = new Int16Array(n);
  const gate = new Float32Array(n);
  let i = 0;
  for (let l = 0; l < LAYERS; l += 1) {
    for (let p = 0; p < POSITIONS; p += 1) {
      for (let r = 0; r < TOP_K; r += 1, i += 1) {
        layer[i] = l;
        position[i] = p;
        rank[i] = r;
        expert[i] = (p * 31 + l * 7 + r * 13) % 128;
        gate[i] = 1 / (r + 2);
      }
    }
  }
  return { n, batch: { layer, position, rank, expert, gate } };
}

const init: RunInit = {
  models: { base: { path: 'bench.onnx', sha256: '0'.repeat(64), form: 'unfused', execution_provider: 'cpu' } },
  tokenizer: { id: 'bench', sha256: '1'.repeat(64) },
  probe_set: { path: 'bench.jsonl', sha256: '2'.repeat(64), n_probes: 1 },
  plan: { bench: true },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Measures write/read of a 1M-row routing part; seconds are medians of 3 runs. */
export async function benchRunStore(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'acc-lens-bench-'));
  try {
    const { n, batch } = routingBatch();
    const numberArrays = Object.fromEntries(
      Object.entries(batch).map(([k, v]) => [k, Array.from(v)]),
    ) as unknown as typeof batch;
    const writeTyped: number[] = [];
    const writeArrays: number[] = [];
    const readWhole: number[] = [];
    const readDecode: number[] = [];
    const readLayer: number[] = [];
    for (let rep = 0; rep < REPEATS; rep += 1) {
      const runDir = join(dir, `run${rep}`);
      const writer = await RunWriter.open(runDir, init);
      writeTyped.push(await timed(() => writer.writeUnit('base', 'p', { routing: batch }, { nTokens: POSITIONS })));
      writeArrays.push(
        await timed(() => writer.writeUnit('base', 'q', { routing: numberArrays }, { nTokens: POSITIONS })),
      );
      await writer.close();
      const run = await openRun(runDir);
      readWhole.push(await timed(() => readPart(run, 'routing', { model: 'base', probeId: 'p' })));
      readDecode.push(
        await timed(async () =>
          decodeTable(TABLES.routing, await readPart(run, 'routing', { model: 'base', probeId: 'p' })),
        ),
      );
      readLayer.push(await timed(() => readPart(run, 'routing', { model: 'base', probeId: 'p', layer: 3 })));
    }
    const bytes = (await stat(join(dir, 'run0/parts/base/p/routing.arrow'))).size;
    const parquetSeconds = await timed(() => exportParquet(join(dir, 'run0'), join(dir, 'parquet')));
    const rate = (seconds: number, rows = n, size = bytes) => ({
      seconds: Number(seconds.toFixed(4)),
      rows_per_s: Math.round(rows / seconds),
      mb_per_s: Number((size / 1e6 / seconds).toFixed(1)),
    });
    return {
      table: 'routing',
      rows: n,
      layers: LAYERS,
      file_bytes: bytes,
      bytes_per_row: Number((bytes / n).toFixed(2)),
      write_typed_arrays: rate(median(writeTyped)),
      write_number_arrays: rate(median(writeArrays)),
      read_whole_part: rate(median(readWhole)),
      read_and_decode_to_columns: rate(median(readDecode)),
      read_one_layer: rate(median(readLayer), n / LAYERS, bytes / LAYERS),
      parquet_export_2m_rows_s: Number(parquetSeconds.toFixed(3)),
      note: 'write includes encode, fsync and rename; page cache warm for reads',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchRunStore(), null, 2));
}
