import { join, resolve } from 'node:path';
import { fail } from '../../errors.ts';
import { exportParquet, openRun } from '../../io/index.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE = 'Usage: acc-lens export RUN --parquet [--out DIR] [--json]';
const HELP = `${USAGE}

Writes one Parquet file per table of a run (probes, segments, attention_segments,
attention_distance, attention_rows, routing, router_probs, answer_logprobs — those the run holds),
with every unit's part concatenated and dictionary strings stored as plain strings. The provenance
(schema version, tool version, model sha256, tokenizer, probe-set hash, plan) goes into each file's
key-value metadata. Only finished units are exported. Every file is checked against the run's
manifest first (size, sha256, Arrow structure, schema version); a missing or damaged one stops the
export with E_RUN_DAMAGED naming it, before any Parquet file is written.

  --parquet    write Parquet (the only export format today)
  --out DIR    where to write (default: RUN/parquet)
  --json       print the written files as JSON

The run's Arrow files need no export for pandas or polars; Parquet is for DuckDB, Spark and tools
without Arrow IPC. Example:

  acc-lens export runs/demo --parquet
  duckdb -c "SELECT layer, expert, count(*) FROM 'runs/demo/parquet/routing.parquet' GROUP BY ALL"

See docs/run-store.md for every column.`;

export const exportCommand: Command = {
  name: 'export',
  summary: "Write Parquet copies of a run's Arrow tables for pandas / polars / DuckDB.",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('export', argv, {
      parquet: { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [runDir, ...extra] = positionals;
    if (runDir === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens export takes one RUN folder (got ${positionals.length})`, USAGE);
    if (!values.parquet) fail('E_USAGE', 'acc-lens export: choose a format: --parquet', USAGE);
    const run = await openRun(runDir);
    const out = values.out ?? join(runDir, 'parquet');
    if (resolve(out) === resolve(runDir))
      fail(
        'E_USAGE',
        `--out ${out} is the run folder itself`,
        'Pass a folder for the Parquet files, e.g. RUN/parquet.',
      );
    const files = await exportParquet(run, out);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ run: runDir, files }, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(5, ...files.map((f) => f.table.length));
    const lines = files.map(
      (f) => `${f.table.padEnd(width)}  ${String(f.rows).padStart(12)} rows  ${mib(f.bytes).padStart(10)}  ${f.path}`,
    );
    process.stdout.write(
      `${[`${'table'.padEnd(width)}  ${'rows'.padStart(17)}  ${'size'.padStart(10)}  file`, ...lines].join('\n')}\n`,
    );
    if (files.length === 0)
      process.stdout.write(`${runDir} has no finished units and no probe set yet; nothing to export.\n`);
    return 0;
  },
};

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
