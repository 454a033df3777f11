import { open, readFile, type FileHandle } from 'node:fs/promises';
import {
  RecordBatchFileReader,
  RecordBatchReader,
  Table,
  tableToIPC,
  type RecordBatch,
  type Schema,
} from 'apache-arrow';
import { z } from 'zod';
import { META } from '../schema/metadata.ts';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.ts';
import { AccLensError } from '../errors.ts';
import { parseJson } from './json-file.ts';

const BatchLayersSchema = z.array(z.number().int().min(0));

/** Writes `table` as an uncompressed Arrow IPC *file* (random access through its footer), atomically. */
export async function writeArrowFile(path: string, table: Table, fs?: AtomicWriteFs): Promise<number> {
  const bytes = tableToIPC(table, 'file');
  await writeFileAtomic(path, bytes, fs);
  return bytes.byteLength;
}

/** Reads a whole Arrow IPC file; the schema (with its metadata) is kept even when there are no rows. */
export async function readArrowFile(path: string): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw missing(error, path);
  }
  const reader = RecordBatchReader.from(bytes);
  const batches = [...reader];
  return new Table(reader.schema, batches);
}

function missing(error: unknown, path: string): Error {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
    ? new AccLensError('E_FILE_NOT_FOUND', `${path} does not exist`)
    : (error as Error);
}

/**
 * An open Arrow IPC file read through its footer: `schema` and `batchLayers` come from the footer,
 * and `readLayer` reads only that layer's record batch. `bytesRead` counts what came off disk.
 */
export class ArrowFileHandle {
  private constructor(
    private readonly handle: FileHandle,
    private readonly reader: RecordBatchFileReader,
    private readonly counter: { bytes: number },
    readonly path: string,
  ) {}

  /** Bytes read from disk so far, footer and dictionaries included. */
  get bytesRead(): number {
    return this.counter.bytes;
  }

  static async open(path: string): Promise<ArrowFileHandle> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw missing(error, path);
    }
    const counter = { bytes: 0 };
    // arrow-js reads through `read`/`stat`; this wrapper counts the bytes so callers can see what a read cost.
    const counting = {
      fd: handle.fd,
      stat: () => handle.stat(),
      close: () => handle.close(),
      read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
        const result = await handle.read(buffer, offset, length, position);
        counter.bytes += result.bytesRead;
        return result;
      },
    };
    const reader = (await RecordBatchFileReader.from(
      counting as unknown as FileHandle,
    )) as unknown as RecordBatchFileReader;
    const file = new ArrowFileHandle(handle, reader, counter, path);
    await reader.open({ autoDestroy: false });
    return file;
  }

  get schema(): Schema {
    return this.reader.schema;
  }

  get numBatches(): number {
    return this.reader.numRecordBatches;
  }

  /** Layer of each record batch (layered part files only; empty otherwise). */
  get batchLayers(): number[] {
    const raw = this.schema.metadata.get(META.batchLayers);
    return raw === undefined ? [] : parseJson(raw, BatchLayersSchema, `${this.path}: metadata "${META.batchLayers}"`);
  }

  async readBatch(index: number): Promise<RecordBatch> {
    const batch = await this.reader.readRecordBatch(index);
    if (batch === null) throw new AccLensError('E_INTERNAL', `${this.path}: record batch ${index} is unreadable`);
    return batch;
  }

  /** The rows of one layer (an empty table with the file's schema when the layer has none). */
  async readLayer(layer: number): Promise<Table> {
    const index = this.batchLayers.indexOf(layer);
    return index < 0 ? new Table(this.schema, []) : new Table(this.schema, [await this.readBatch(index)]);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
