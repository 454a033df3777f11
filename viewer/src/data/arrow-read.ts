import { RecordBatchFileReader, Table, tableFromIPC, type Schema } from 'apache-arrow';
import { decodeTable, type DecodedColumn } from '../../../analysis/schema/decode.ts';
import { META, SCHEMA_VERSION } from '../../../analysis/schema/metadata.ts';
import type { TableSpec } from '../../../analysis/schema/columns.ts';
import { RunDataError, type RunFiles } from './run-files.ts';

export type Columns = Record<string, DecodedColumn>;

const REPAIR = 'Recreate the file: rerun `acc-lens capture` (finished units are kept) or `acc-lens metrics RUN`.';

/** Refuses files written by another major version of the run-store schema. */
export function checkSchemaVersion(path: string, schema: Schema): void {
  const version = schema.metadata.get(META.schemaVersion);
  const major = (v: string) => v.split('.')[0];
  if (version === undefined || major(version) !== major(SCHEMA_VERSION)) {
    throw new RunDataError(
      path,
      `schema version ${version ?? '(none)'} does not match this viewer's ${SCHEMA_VERSION}`,
      `Open it with the acc-lens version that wrote it, or recapture with this one (acc-lens ${SCHEMA_VERSION.split('.')[0]}.x).`,
    );
  }
}

function decodeOrFail(path: string, spec: TableSpec, table: Table): Columns {
  try {
    return decodeTable(spec, table);
  } catch (error) {
    throw new RunDataError(path, `does not hold the ${spec.name} table: ${(error as Error).message}`, REPAIR);
  }
}

/** A whole Arrow IPC file decoded as `spec`; null when the file does not exist. */
export async function readColumns(files: RunFiles, path: string, spec: TableSpec): Promise<Columns | null> {
  const bytes = await files.bytes(path);
  if (bytes === null) return null;
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new RunDataError(path, `is not a readable Arrow IPC file (${(error as Error).message})`, REPAIR);
  }
  checkSchemaVersion(path, table.schema);
  return decodeOrFail(path, spec, table);
}

/** An Arrow IPC file read batch by batch through its footer, each batch one Range request. */
export interface BatchedFile {
  readonly schema: Schema;
  readonly numBatches: number;
  /** JSON list from a batch metadata key: the layer or probe id of every record batch. */
  batchKeys<K>(key: string): K[];
  readBatch(index: number, spec: TableSpec): Promise<Columns>;
}

const READ_AHEAD = 1 << 18;

/** Adapts RunFiles to the file-handle shape arrow-js reads through, with a read-ahead cache. */
function rangeHandle(files: RunFiles, path: string, size: number) {
  let cache: { start: number; bytes: Uint8Array } = { start: 0, bytes: new Uint8Array(0) };
  return {
    fd: 0,
    stat: async () => ({ size }),
    close: async () => undefined,
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const end = Math.min(size, position + length);
      if (position < cache.start || end > cache.start + cache.bytes.length) {
        cache = {
          start: position,
          bytes: await files.range(path, position, Math.min(size, position + Math.max(length, READ_AHEAD))),
        };
      }
      const chunk = cache.bytes.subarray(position - cache.start, end - cache.start);
      buffer.set(chunk, offset);
      return { bytesRead: chunk.length, buffer };
    },
  };
}

/** Opens a (layered or probe-batched) Arrow file for batch-wise reading; null when it does not exist. */
export async function openBatched(files: RunFiles, path: string): Promise<BatchedFile | null> {
  const size = await files.size(path);
  if (size === null) return null;
  let reader: RecordBatchFileReader;
  try {
    reader = (await RecordBatchFileReader.from(
      rangeHandle(files, path, size) as never,
    )) as unknown as RecordBatchFileReader;
    await reader.open({ autoDestroy: false });
  } catch (error) {
    throw new RunDataError(path, `is not a readable Arrow IPC file (${(error as Error).message})`, REPAIR);
  }
  checkSchemaVersion(path, reader.schema);
  return {
    schema: reader.schema,
    numBatches: reader.numRecordBatches,
    batchKeys<K>(key: string): K[] {
      const raw = reader.schema.metadata.get(key);
      return raw === undefined ? [] : (JSON.parse(raw) as K[]);
    },
    async readBatch(index, spec) {
      let batch;
      try {
        batch = await reader.readRecordBatch(index);
      } catch (error) {
        throw new RunDataError(path, `record batch ${index} is unreadable (${(error as Error).message})`, REPAIR);
      }
      if (batch === null) throw new RunDataError(path, `record batch ${index} is missing`, REPAIR);
      return decodeOrFail(path, spec, new Table(reader.schema, [batch]));
    },
  };
}

/** Rows of one layer of a layered part file (empty columns when the layer has no rows). */
export async function readLayer(file: BatchedFile, layer: number, spec: TableSpec): Promise<Columns | null> {
  const index = file.batchKeys<number>(META.batchLayers).indexOf(layer);
  return index < 0 ? null : file.readBatch(index, spec);
}
