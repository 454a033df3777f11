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
import type { FileRecord } from '../schema/manifest.ts';
import { recordOf } from './file-record.ts';

const BatchLayersSchema = z.array(z.number().int().min(0));

/** Writes `table` as an uncompressed Arrow IPC *file* (random access through its footer), atomically. */
export async function writeArrowFile(path: string, table: Table, fs?: AtomicWriteFs): Promise<number> {
  return (await writeArrowFileRecorded(path, table, fs)).bytes;
}

/** As writeArrowFile, and returns what the manifest records of the file: size, sha256 of the bytes written, rows. */
export async function writeArrowFileRecorded(path: string, table: Table, fs?: AtomicWriteFs): Promise<FileRecord> {
  const bytes = tableToIPC(table, 'file');
  await writeFileAtomic(path, bytes, fs);
  return { ...recordOf(bytes), rows: table.numRows };
}

const MAGIC = new TextEncoder().encode('ARROW1');
const hasMagic = (bytes: Uint8Array, at: number): boolean => MAGIC.every((b, i) => bytes[at + i] === b);

/**
 * Decodes the bytes of an Arrow IPC *file*, or E_RUN_DAMAGED naming `path`: arrow-js reads zeroed or
 * empty bytes as a file with no batches, so the magic at both ends is checked first (a truncated file
 * loses its footer), then every record batch is decoded.
 */
export function decodeArrowFile(bytes: Uint8Array, path: string, fix?: string): Table {
  const damaged = (why: string) =>
    new AccLensError('E_RUN_DAMAGED', `${path} is not a readable Arrow IPC file: ${why}`, fix);
  if (bytes.byteLength < 2 * MAGIC.length + 4) throw damaged(`${bytes.byteLength} bytes, too short`);
  if (!hasMagic(bytes, 0) || !hasMagic(bytes, bytes.byteLength - MAGIC.length))
    throw damaged('no ARROW1 magic at its start and end (truncated, zeroed or another format)');
  try {
    const reader = RecordBatchReader.from(bytes).open();
    // The reader forgets its schema once iterated: take it first.
    const schema = reader.schema as Schema | undefined;
    if (!reader.isFile() || schema === undefined) throw new Error('no file footer or schema');
    return new Table(schema, [...reader]);
  } catch (error) {
    if (error instanceof AccLensError) throw error;
    throw damaged((error as Error).message.split('\n')[0] ?? 'undecodable');
  }
}

/** Reads a whole Arrow IPC file; the schema (with its metadata) is kept even when there are no rows. */
export async function readArrowFile(path: string): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw missing(error, path);
  }
  return decodeArrowFile(bytes, path);
}

function missing(error: unknown, path: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AccLensError('E_FILE_NOT_FOUND', `${path} does not exist`);
  if (code === 'EISDIR') return new AccLensError('E_RUN_DAMAGED', `${path} is a folder, not an Arrow file`);
  if (code === 'EACCES' || code === 'EPERM')
    return new AccLensError('E_FILE_NOT_FOUND', `${path} cannot be read (${code})`, 'Check its permissions.');
  return error as Error;
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
    try {
      const reader = (await RecordBatchFileReader.from(
        counting as unknown as FileHandle,
      )) as unknown as RecordBatchFileReader;
      const file = new ArrowFileHandle(handle, reader, counter, path);
      await reader.open({ autoDestroy: false });
      if (reader.schema === undefined || !reader.isFile()) throw new Error('no file footer or schema');
      return file;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw new AccLensError(
        'E_RUN_DAMAGED',
        `${path} is not a readable Arrow IPC file: ${(error as Error).message.split('\n')[0]}`,
      );
    }
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
    let batch: RecordBatch | null;
    try {
      batch = await this.reader.readRecordBatch(index);
    } catch (error) {
      throw new AccLensError(
        'E_RUN_DAMAGED',
        `${this.path}: record batch ${index} is unreadable (${(error as Error).message})`,
      );
    }
    if (batch === null) throw new AccLensError('E_RUN_DAMAGED', `${this.path}: record batch ${index} is unreadable`);
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
