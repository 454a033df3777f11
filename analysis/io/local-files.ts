import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccLensError } from '../errors.ts';

/** Whether `path` exists and is a regular file (symlinks followed). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Size of a file in bytes. */
export const fileSize = (path: string): number => statSync(path).size;

/** The whole file, or E_FILE_NOT_FOUND naming `what` (and `fix`) when it is missing or unreadable. */
export async function readFileBytes(path: string, what: string, fix?: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? (error as Error).message})`;
    throw new AccLensError('E_FILE_NOT_FOUND', `${what} ${why}: ${path}`, fix);
  }
}

/** UTF-8 text of a file, byte-order mark kept (as the bytes say); errors as readFileBytes. */
export const readFileText = async (path: string, what: string, fix?: string): Promise<string> =>
  new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readFileBytes(path, what, fix));

/** sha256 of a file, streamed (models are GBs). Example: `await fileSha256('base.onnx')`. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Removes a folder and everything in it (nothing when it does not exist). */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Whether `path` exists at all (file, folder or other). */
export function pathExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A fresh folder under the OS temp dir; `dispose()` removes it with everything in it. */
export function makeTempDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** A file read at chosen offsets (a header walk that seeks past a multi-GB graph). */
export interface RandomAccessFile {
  size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many were read. */
  read(into: Uint8Array, position: number): number;
  close(): void;
}

/** Opens `path` for reads at offsets. Example: `const f = openRandomAccess(p); f.read(head, 0); f.close()`. */
export function openRandomAccess(path: string): RandomAccessFile {
  const fd = openSync(path, 'r');
  return {
    size: fstatSync(fd).size,
    read: (into, position) => readSync(fd, into, 0, into.length, position),
    close: () => closeSync(fd),
  };
}
