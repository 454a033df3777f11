/** A progress event of a byte-streaming job (model import). */
export interface BytesProgress {
  file: string;
  written: number;
  total: number;
  seconds: number;
}

const clock = (s: number): string =>
  !Number.isFinite(s)
    ? '--:--'
    : s >= 3600
      ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
      : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** "3.21/61.07 GB  0.84 GB/s  ETA 1:09  model.fused.onnx" (MB below 1 GB). */
export function formatBytesProgress(p: BytesProgress): string {
  const rate = p.seconds > 0 ? p.written / p.seconds : 0;
  const eta = rate > 0 ? (p.total - p.written) / rate : Infinity;
  const [unit, scale] = p.total >= 1e9 ? ['GB', 1e9] : ['MB', 1e6];
  const size = (b: number) => (b / scale).toFixed(unit === 'GB' ? 2 : 1);
  return `${size(p.written)}/${size(p.total)} ${unit}  ${(rate / 1e9).toFixed(2)} GB/s  ETA ${clock(eta)}  ${p.file}`;
}

/**
 * Reports bytes written, rate and ETA: a bar redrawn at most 5 times a second on a terminal, otherwise one
 * line per 10 % (CI logs stay short). Example: `const report = bytesReporter(isTerminal(), (s) => process.stderr.write(s))`.
 */
export function bytesReporter(
  tty: boolean,
  write: (text: string) => void,
): ((p: BytesProgress) => void) & { end(): void } {
  let last = -Infinity,
    step = -1,
    drawn = false;
  const report = (p: BytesProgress): void => {
    const fraction = p.total > 0 ? p.written / p.total : 1;
    if (tty) {
      if (p.seconds - last < 0.2 && p.written < p.total) return;
      last = p.seconds;
      const width = 24,
        filled = Math.round(width * fraction);
      write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatBytesProgress(p)}`.padEnd(100).slice(0, 120),
      );
      drawn = true;
    } else if (Math.floor(fraction * 10) > step) {
      step = Math.floor(fraction * 10);
      write(`${Math.round(fraction * 100)}%  ${formatBytesProgress(p)}\n`);
    }
  };
  return Object.assign(report, {
    end: () => {
      if (drawn) write('\n');
    },
  });
}
