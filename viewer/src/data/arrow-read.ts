import { RecordBatchFileReader, Table, tableFromIPC, type Schema } from 'apache-arrow';
import { decodeTable, type DecodedColumn } from '../../../analysis/schema/decode.ts';
import { META, SCHEMA_VERSION } from '../../../analysis/schema/metadata.ts';
import type { TableSpec } from '../../../analysis/schema/columns.ts';
import { batchLayout, bufferSpan, columnBuffers, columnsTable } from './arrow-columns.ts';
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
  /**
   * Record batch `index`, decoded as `spec` — the table's spec or one narrowed to the columns the
   * caller uses (`narrow`): then only those are decoded and, when they are fixed-width numbers,
   * only their bytes are fetched. Safe to call concurrently.
   */
  readBatch(index: number, spec: TableSpec): Promise<Columns>;
}

/** `spec` with only the named columns, for reading just those. */
export const narrow = <S extends TableSpec>(spec: S, names: readonly string[]): S => ({
  ...spec,
  columns: spec.columns.filter((c) => names.includes(c.name)),
});

const READ_AHEAD = 1 << 18;
/** Read-ahead windows kept: the file's start (schema, dictionaries) and its end (footer) stay at hand. */
const WINDOWS = 3;

/** Adapts RunFiles to the file-handle shape arrow-js reads through, with a few read-ahead windows. */
function rangeHandle(files: RunFiles, path: string, size: number) {
  let windows: { start: number; bytes: Uint8Array }[] = [];
  return {
    fd: 0,
    stat: async () => ({ size }),
    close: async () => undefined,
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const end = Math.min(size, position + length);
      let w = windows.find((x) => position >= x.start && end <= x.start + x.bytes.length);
      if (w === undefined && length > READ_AHEAD) {
        // A record batch body: read once, so fetched exactly and not kept.
        w = { start: position, bytes: await files.range(path, position, end) };
      } else if (w === undefined) {
        // A read near the end (the footer's length, then the footer) gets the whole tail at once.
        const start = Math.max(0, Math.min(position, size - READ_AHEAD));
        w = { start, bytes: await files.range(path, start, Math.min(size, start + READ_AHEAD)) };
        windows = [w, ...windows].slice(0, WINDOWS);
      }
      const chunk = w.bytes.subarray(position - w.start, end - w.start);
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
  // arrow-js reads a batch by seeking its one handle: its reads run one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const whole = (index: number) => {
    const next = queue.then(() => reader.readRecordBatch(index));
    queue = next.catch(() => undefined);
    return next;
  };
  /** Only the wanted columns' bytes: the batch's metadata, then one Range request for their buffers. */
  const columnsOnly = async (index: number, spec: TableSpec): Promise<Table | null> => {
    const block = reader.footer?.getRecordBatch(index);
    const buffers = columnBuffers(
      reader.schema,
      spec.columns.map((c) => c.name),
    );
    if (!block || buffers === null) return null;
    const start = Number(block.offset);
    const layout = batchLayout(block, await files.range(path, start, start + block.metaDataLength));
    if (layout === null || layout.compressed) return null;
    const span = bufferSpan(layout, buffers.values());
    const bytes = await files.range(path, layout.bodyStart + span.start, layout.bodyStart + span.end);
    return columnsTable(reader.schema, layout, buffers, span, bytes);
  };
  return {
    schema: reader.schema,
    numBatches: reader.numRecordBatches,
    batchKeys<K>(key: string): K[] {
      const raw = reader.schema.metadata.get(key);
      return raw === undefined ? [] : (JSON.parse(raw) as K[]);
    },
    async readBatch(index, spec) {
      let table: Table | null;
      try {
        table = spec.columns.length < reader.schema.fields.length ? await columnsOnly(index, spec) : null;
        if (table === null) {
          const batch = await whole(index);
          if (batch === null) throw new RunDataError(path, `record batch ${index} is missing`, REPAIR);
          table = new Table(reader.schema, [batch]);
        }
      } catch (error) {
        if (error instanceof RunDataError) throw error;
        throw new RunDataError(path, `record batch ${index} is unreadable (${(error as Error).message})`, REPAIR);
      }
      return decodeOrFail(path, spec, table);
    },
  };
}

/** Rows of one layer of a layered part file (empty columns when the layer has no rows). */
export async function readLayer(file: BatchedFile, layer: number, spec: TableSpec): Promise<Columns | null> {
  const index = file.batchKeys<number>(META.batchLayers).indexOf(layer);
  return index < 0 ? null : file.readBatch(index, spec);
}
