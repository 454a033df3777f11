import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { exportParquet, openRun, readTable, RunWriter } from '../../../analysis/io/index.ts';
import { decodeTable, TABLES, type TableName } from '../../../analysis/schema/index.ts';
import { PROBE_IDS, probeSet, probeTokens, runInit, tempDir, unitTables } from './fixtures.ts';
import { decodedRows, type Row } from './rows.ts';

describe('exportParquet', () => {
  it('exportParquet(run, dir) writes Parquet that DuckDB reads back equal to the Arrow data', async () => {
    const dir = await tempDir();
    const writer = await RunWriter.open(dir, runInit());
    await writer.writeProbeSet(probeSet().probes, probeSet().segments, probeTokens());
    for (const [i, probeId] of PROBE_IDS.entries()) {
      await writer.writeUnit('base', probeId, {
        ...unitTables(i),
        router_probs: { layer: [0, 0], position: [0, 0], expert: [0, 1], prob: [0.5, 0.5] },
      });
      await writer.writeUnit('tuned', probeId, unitTables(i + 10));
    }
    await writer.close();
    const run = await openRun(dir);
    const files = await exportParquet(run, `${dir}/parquet`);
    expect(files.map((f) => f.table)).toEqual(Object.keys(TABLES));

    const db = await (await DuckDBInstance.create(':memory:')).connect();
    for (const file of files) {
      const spec = TABLES[file.table as TableName];
      const expected = decodedRows(spec, decodeTable(spec, await readTable(run, file.table)));
      const reader = await db.runAndReadAll(`SELECT * FROM read_parquet('${file.path}')`);
      const got = reader.getRowObjectsJS() as Row[];
      expect(reader.columnNames()).toEqual(spec.columns.map((c) => c.name));
      expect(got.length, file.table).toBe(file.rows);
      // DuckDB reads FLOAT as float32 → JS number exactly; INT_16/INT32 as numbers; UTF8 as strings; nulls as null.
      expect(got, file.table).toEqual(expected);
    }
    const meta = await db.runAndReadAll(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${dir}/parquet/routing.parquet')`,
    );
    expect(meta.getRowObjectsJS().map((r) => r.k)).toContain('acc_lens.schema_version');
    db.closeSync();
  });
});
