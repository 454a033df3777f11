import { AccLensError } from '../../errors.ts';
import { verifyImport, type VerifyReport } from '../../../models/verify/verify.ts';
import type { ModelsFlags } from './models-flags.ts';

const e = (x: number | null) => (x === null ? '—' : x.toExponential(2));

/** The report as lines: one per form, then every flip, loudly. */
export function verifyLines(r: VerifyReport): string[] {
  const lines = [
    `${r.dir}: ${r.dtype}, ${r.tokens}-token prompt, oracle on ${r.oracleLayers} layer(s)`,
    ...r.forms.map(
      (f) =>
        `  ${f.form.padEnd(7)}  max |logit − oracle| ${e(f.logitDiff)}  max |residual − oracle| after layer ${r.oracleLayers - 1}: ${e(f.hiddenDiff)}  routing flips vs oracle: ${f.flips.reduce((n, x) => n + x.tokens.length, 0)}`,
    ),
  ];
  if (r.formLogitDiff !== null)
    lines.push(
      `  fused vs unfused: max |logit difference| ${e(r.formLogitDiff)}, routing flips ${(r.formFlips ?? []).reduce((n, x) => n + x.tokens.length, 0)} over all layers`,
    );
  for (const f of r.forms)
    for (const x of f.flips.filter((y) => y.tokens.length > 0))
      lines.push(
        `  ROUTING FLIP  ${f.form} layer ${x.layer}: token(s) ${x.tokens.join(', ')} pick other experts than the oracle (oracle k-th/(k+1)-th margin ${x.margins.map((m) => m.toExponential(1)).join(', ')})`,
      );
  for (const x of (r.formFlips ?? []).filter((y) => y.tokens.length > 0))
    lines.push(`  ROUTING FLIP  fused vs unfused layer ${x.layer}: token(s) ${x.tokens.join(', ')}`);
  lines.push(
    r.ok
      ? `ok: logits within ${r.tolerance}, routing identical`
      : `FAILED: see above (tolerance ${r.tolerance}; a flip means routing differs, which changes every routing metric)`,
  );
  return lines;
}

/** `acc-lens models verify DIR`: both forms and the oracle on a fixed prompt. */
export async function verifyCommand(dir: string, values: ModelsFlags): Promise<number> {
  const layers = values.layers === undefined ? undefined : Number(values.layers);
  if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1))
    throw new AccLensError('E_USAGE', `--layers must be a positive integer, got "${values.layers}"`);
  const ep = values.ep ?? 'cpu';
  if (ep !== 'cpu' && ep !== 'cuda') throw new AccLensError('E_USAGE', `--ep must be cpu or cuda, got "${ep}"`);
  const report = await verifyImport(dir, {
    ...(values.hf ? { hfDir: values.hf } : {}),
    ...(layers ? { layers } : {}),
    ep,
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${verifyLines(report).join('\n')}\n`);
  return report.ok ? 0 : 1;
}
