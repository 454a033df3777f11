import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FileRecord } from '../schema/manifest.ts';

/**
 * Size and sha256 of bytes about to be written. sha256 is the run store's hash: it was the fastest
 * collision-resistant hash Node ships on the machines measured (`npm run bench -- verify`: SHA-NI
 * makes it faster than sha512-256 and blake2b512), and it is the one users' tools compute.
 */
export const recordOf = (bytes: Uint8Array): FileRecord => ({
  bytes: bytes.byteLength,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

/** Size and sha256 of a file, streamed (part files can be GBs). Example: `await hashFile('runs/x/probes.arrow')`. */
export async function hashFile(path: string): Promise<FileRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** The size of a file, or null when it is missing or not a regular file. */
export async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/**
 * How bytes differ from what the manifest recorded, or null when they match (size first: cheap).
 * Example: `recordMismatch(record, recordOf(bytes))` → "4096 bytes, recorded 8192".
 */
export function recordMismatch(recorded: FileRecord, actual: { bytes: number; sha256?: string }): string | null {
  if (actual.bytes !== recorded.bytes) return `${actual.bytes} bytes, the manifest recorded ${recorded.bytes}`;
  if (actual.sha256 !== undefined && actual.sha256 !== recorded.sha256)
    return `sha256 ${actual.sha256.slice(0, 12)}…, the manifest recorded ${recorded.sha256.slice(0, 12)}… (same size: altered in place)`;
  return null;
}
