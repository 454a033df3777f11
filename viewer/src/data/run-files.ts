/**
 * The one seam between the viewer's data code and where a run's bytes live: the loopback server
 * over HTTP (browser, worker), or the file system (Node: figures, notebooks). Paths are relative
 * to the run folder, with `/` separators.
 */
export interface RunFiles {
  /** Where the run lives, for error messages (a URL or a folder). */
  readonly origin: string;
  /** The whole file; null when it does not exist. */
  bytes(path: string): Promise<Uint8Array | null>;
  /** Size in bytes; null when the file does not exist. */
  size(path: string): Promise<number | null>;
  /** Bytes [start, end) of a file known to exist. */
  range(path: string, start: number, end: number): Promise<Uint8Array>;
}

/** A run file that could not be read or decoded, with the file and the fix named. */
export class RunDataError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly fix: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'RunDataError';
  }
}
