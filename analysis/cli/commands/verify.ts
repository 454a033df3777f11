import { AccLensError, fail } from '../../errors.ts';
import { verifyRun, type VerifyReport } from '../../io/repair-run.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE = 'Usage: acc-lens verify RUN [--repair] [--rehash] [--json]';
const HELP = `${USAGE}

Checks every file of a run against its manifest (docs/run-store.md#integrity): the size and sha256
of each part and run-level file, that it is a readable Arrow IPC file of this schema major, that it
carries this run's provenance (model sha256, probe set, tokenizer, plan), its row count, that every
row belongs to its unit (model and probe) and each record batch to its layer, and that the units of
one model cover the same layers. Prints a report; exit 0 when the run is sound, 16 (E_RUN_DAMAGED)
when something is damaged.

  --repair   make the run resumable: damaged units are marked not done, so rerunning the same
             \`acc-lens capture\` command redoes only them; damaged run-level files and a damaged
             manifest move to RUN/.acc-lens/damaged/; a damaged or missing manifest is restored from
             RUN/.acc-lens/manifest.backup.json (without it, the next capture starts the run over)
  --rehash   record size, sha256 and rows of sound files that have none (runs written before 1.2.0
             carry no hashes: verify then checks structure only and says so)
  --json     print the report as JSON

Readers (metrics, export, capture merge, a resumed capture) run the same checks on what they open
and stop with E_RUN_DAMAGED naming the file; verify checks everything at once. Example:

  acc-lens verify runs/demo
  acc-lens verify runs/demo --repair && acc-lens capture --base … --tuned … --probes … --out runs/demo`;

function format(r: VerifyReport): string {
  const lines = [`${r.run}: schema ${r.schema_version ?? '?'}, manifest ${r.manifest.status}`];
  if (r.manifest.problem) lines.push(`  manifest: ${r.manifest.problem}`);
  if (r.locked_by) lines.push(`  note: ${r.locked_by}; units may change while you look`);
  if (r.hashes !== 'all' && r.schema_version !== null)
    lines.push(
      `  ${r.hashes === 'none' ? 'no hashes recorded' : 'some files have no hash recorded'} (written before 1.2.0): structure checked only; \`acc-lens verify RUN --rehash\` records them`,
    );
  for (const f of r.run_files)
    if (f.status !== 'ok' && f.status !== 'absent') lines.push(`  ${f.file}: ${f.status}: ${f.problem ?? ''}`);
  const units = r.units.filter((u) => u.status !== 'skipped');
  for (const u of units.filter((x) => x.status === 'damaged'))
    lines.push(`  unit ${u.key}: damaged`, ...u.problems.map((p) => `    ${p}`));
  for (const s of r.stray) lines.push(`  stray: ${s}`);
  for (const t of r.temps) lines.push(`  temp file of an interrupted write: ${t}`);
  const ok = units.filter((u) => u.status === 'ok').length;
  lines.push(
    `${ok}/${units.length} done units sound, ${r.units.length - units.length} skipped; ${r.run_files.filter((f) => f.status === 'ok').length} run files sound; ${(r.bytes / 2 ** 20).toFixed(1)} MiB checked in ${r.seconds.toFixed(2)} s`,
  );
  if (r.repaired) {
    const p = r.repaired;
    if (p.units.length + p.run_files.length > 0)
      lines.push(
        `repaired: ${p.units.length} unit(s) marked not done, ${p.run_files.length} run file(s) moved to .acc-lens/damaged/; rerun the same \`acc-lens capture\` command to redo them`,
      );
    if (r.manifest.status === 'restored') lines.push('repaired: manifest restored from its backup');
    if (r.manifest.status === 'moved-aside')
      lines.push(
        'repaired: the damaged manifest moved to .acc-lens/damaged/; the next capture into this folder starts over',
      );
    if (p.temps_removed.length > 0) lines.push(`removed ${p.temps_removed.length} temp file(s) of interrupted writes`);
    if (p.rehashed.length > 0) lines.push(`recorded size and sha256 of ${p.rehashed.length} file(s)`);
  }
  return `${lines.join('\n')}\n`;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: "Check every file of a run against its manifest's hashes; --repair marks damaged units for redo.",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('verify', argv, {
      repair: { type: 'boolean' },
      rehash: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [runDir, ...extra] = positionals;
    if (runDir === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens verify takes one RUN folder (got ${positionals.length})`, USAGE);
    const report = await verifyRun(runDir, { repair: values.repair === true, rehash: values.rehash === true });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : format(report));
    if (report.ok) return 0;
    const n = report.damaged.units.length + report.damaged.run_files.length;
    throw new AccLensError(
      'E_RUN_DAMAGED',
      `${runDir}: ${n} damaged (${[...report.damaged.run_files, ...report.damaged.units.map((u) => `unit ${u}`)].slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})`,
      `Run \`acc-lens verify ${runDir} --repair\`, then rerun the same \`acc-lens capture\` command: it redoes only the damaged units.`,
    );
  },
};
