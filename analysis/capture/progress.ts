/** One step of a capture, for progress display. */
export interface ProgressEvent {
  kind: 'unit-done' | 'unit-skipped' | 'unit-resumed' | 'chunk';
  model: string;
  probeId: string;
  unitsDone: number;
  unitsTotal: number;
  /** Tokens run in this session (resumed units excluded) and seconds since it started. */
  tokens: number;
  seconds: number;
  /** Tokens still to run (units not done yet). */
  tokensLeft: number;
  reason?: string;
}

const fmt = (s: number): string =>
  !Number.isFinite(s)
    ? '--:--'
    : s >= 3600
      ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
      : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/**
 * A progress reporter: a redrawn bar (probes done/total, tokens/s, ETA) on a terminal, one plain line per
 * finished unit otherwise. Example: `const report = progressReporter(isTerminal(), (s) => process.stdout.write(s))`.
 */
export function progressReporter(
  tty: boolean,
  write: (text: string) => void,
): ((e: ProgressEvent) => void) & { end(): void } {
  let drawn = false;
  const report = (e: ProgressEvent): void => {
    const rate = e.seconds > 0 ? e.tokens / e.seconds : 0;
    const eta = rate > 0 ? e.tokensLeft / rate : Infinity;
    const stats = `${e.unitsDone}/${e.unitsTotal} units  ${Math.round(rate)} tok/s  ETA ${fmt(eta)}`;
    if (tty) {
      const width = 24,
        filled = e.unitsTotal > 0 ? Math.round((width * e.unitsDone) / e.unitsTotal) : width;
      write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}  ${e.model}/${e.probeId}`
          .padEnd(100)
          .slice(0, 120),
      );
      drawn = true;
    } else if (e.kind !== 'chunk') {
      const what =
        e.kind === 'unit-done' ? 'done' : e.kind === 'unit-resumed' ? 'already done' : `skipped (${e.reason ?? ''})`;
      write(`${e.model}/${e.probeId}: ${what}  ${stats}\n`);
    }
  };
  return Object.assign(report, {
    end: () => {
      if (drawn) write('\n');
    },
  });
}
