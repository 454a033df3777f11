import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArrowFile } from '../../analysis/io/arrow-file.ts';
import { exportParquet, openRun, readTable } from '../../analysis/io/index.ts';
import { decodeTable } from '../../analysis/schema/decode.ts';
import { TABLES, type TableName } from '../../analysis/schema/tables.ts';
import { decodedRows, type Row } from '../unit/io/rows.ts';
import { buildSmallRun, readManifestJson } from './run-store-fixture.ts';

// Issue 12, "done when": readers that share no code with acc-lens open every file of a real run —
// nodejs-polars (Rust arrow2/polars IPC reader) every Arrow IPC file, DuckDB every Parquet export —
// and find the same rows and values as apache-arrow does.
let run = '';
let files: { file: string; table: TableName }[] = [];

beforeAll(() => {
  ({ run } = buildSmallRun('acc-lens-run-store-readers-'));
  const m = readManifestJson(run);
  const runFiles = Object.keys(m.run_files as Record<string, unknown>).map((file) => ({
    file,
    table: file.replace(/\.arrow$/, '') as TableName,
  }));
  const parts = Object.values(m.units).flatMap((u) =>
    u.files.map((file) => ({
      file,
      table: file
        .split('/')
        .pop()!
        .replace(/\.arrow$/, '') as TableName,
    })),
  );
  files = [...runFiles, ...parts];
}, 300_000);

describe('independent readers of a run (issue 12)', () => {
  it('nodejs-polars reads every Arrow IPC file with the row count and values apache-arrow reads', async () => {
    expect(files.length).toBe(3 + 4 * 5); // probes, segments, tokens + 4 units × 5 tables
    for (const { file, table } of files) {
      const path = join(run, file);
      const arrow = await readArrowFile(path);
      const cols = decodeTable(TABLES[table], arrow);
      // readIPC takes bytes: given a path it only recognises *.ipc names as paths.
      const df = pl.readIPC(readFileSync(path));
      expect(df.height, file).toBe(arrow.numRows);
      expect(df.columns, file).toEqual(TABLES[table].columns.map((c) => c.name));
      for (const c of TABLES[table].columns) {
        const polars = Array.from(df.getColumn(c.name).toArray() as ArrayLike<unknown>);
        // float32 and int16 arrive as JS numbers, dictionary strings as strings (Categorical), nulls as null.
        expect(polars, `${file} ${c.name}`).toEqual(Array.from(cols[c.name] as ArrayLike<unknown>));
      }
    }
  });

  it('DuckDB reads every Parquet export with the rows and values of the Arrow tables', async () => {
    const out = join(run, 'parquet');
    const exported = await exportParquet(run, out);
    expect(exported.map((f) => f.table).sort()).toEqual(
      [
        'answer_logprobs',
        'attention_distance',
        'attention_rows',
        'attention_segments',
        'probes',
        'routing',
        'segments',
        'tokens',
      ].sort(),
    );
    const opened = await openRun(run);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    for (const f of exported) {
      const spec = TABLES[f.table];
      const expected = decodedRows(spec, decodeTable(spec, await readTable(opened, f.table)));
      const reader = await db.runAndReadAll(`SELECT * FROM read_parquet('${f.path}')`);
      expect(reader.columnNames(), f.table).toEqual(spec.columns.map((c) => c.name));
      const got = reader.getRowObjectsJS() as Row[];
      expect(got.length, f.table).toBe(f.rows);
      expect(got, f.table).toEqual(expected);
    }
  });
});
