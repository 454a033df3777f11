import { join } from 'node:path';
import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { ColumnSpec } from '../schema/columns.ts';
import { decodeTable, type DecodedColumn } from '../schema/decode.ts';
import { META, provenanceMetadata } from '../schema/metadata.ts';
import { TABLE_NAMES, TABLES, type TableName } from '../schema/tables.ts';
import { TOOL_VERSION } from '../version.ts';
import { ensureDir, writeFileAtomic } from './atomic-write.ts';
import { manifestProvenance } from './manifest.ts';
import { openRun, readTable, type Run } from './run-reader.ts';

export interface ExportedFile {
  table: TableName;
  path: string;
  rows: number;
  bytes: number;
}

function parquetElement(column: ColumnSpec): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (column.kind) {
    case 'dict':
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'int16':
      return { name: column.name, type: 'INT32', converted_type: 'INT_16', repetition_type };
    case 'int32':
      return { name: column.name, type: 'INT32', repetition_type };
    case 'float32':
      return { name: column.name, type: 'FLOAT', repetition_type };
  }
}

function parquetData(values: DecodedColumn): ColumnSource['data'] {
  // Parquet stores int16 as INT32 (annotated INT_16).
  return values instanceof Int16Array ? Int32Array.from(values) : (values as ColumnSource['data']);
}

/**
 * Writes `<table>.parquet` into `outDir` for every table the run holds: parts concatenated,
 * dictionary strings as plain UTF8, provenance in the key-value metadata. Snappy-compressed,
 * which pandas, polars and DuckDB all read. Every file read is checked first (readTable): a missing
 * or damaged one is E_RUN_DAMAGED before anything is written, so an export never drops rows and never
 * leaves a mix of new and old Parquet files. Example: `await exportParquet('runs/x', 'runs/x/parquet')`.
 */
export async function exportParquet(runOrDir: Run | string, outDir: string): Promise<ExportedFile[]> {
  const run = typeof runOrDir === 'string' ? await openRun(runOrDir) : runOrDir;
  const encoded: { file: ExportedFile; buffer: Uint8Array }[] = [];
  for (const table of TABLE_NAMES) {
    const arrow = await readTable(run, table);
    const present =
      TABLES[table].scope === 'run' ? arrow.schema.fields.length > 0 && arrow.batches.length > 0 : arrow.numRows > 0;
    if (!present) continue;
    const spec = TABLES[table];
    const cols = decodeTable(spec, arrow);
    const columnData: ColumnSource[] = spec.columns.map((c) => ({
      name: c.name,
      data: parquetData(cols[c.name]!),
      nullable: c.nullable,
    }));
    const schema: SchemaElement[] = [
      { name: 'root', num_children: spec.columns.length },
      ...spec.columns.map(parquetElement),
    ];
    const metadata = provenanceMetadata(manifestProvenance(run.manifest), table);
    metadata.delete(META.batchLayers);
    metadata.delete(META.batchProbes);
    const buffer = parquetWriteBuffer({
      columnData,
      schema,
      kvMetadata: [...metadata].map(([key, value]) => ({ key, value })),
      createdBy: `acc-lens ${TOOL_VERSION}`,
      rowGroupSize: 1_000_000,
    });
    const path = join(outDir, `${table}.parquet`);
    encoded.push({
      file: { table, path, rows: arrow.numRows, bytes: buffer.byteLength },
      buffer: new Uint8Array(buffer),
    });
  }
  await ensureDir(outDir);
  for (const { file, buffer } of encoded) await writeFileAtomic(file.path, buffer);
  return encoded.map((e) => e.file);
}
