import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AccLensError } from '../../errors.ts';
import { ensureDir, writeFileAtomic } from '../../io/atomic-write.ts';
import { generateAcc } from '../../probes/acc/generate.ts';
import { ACC_FAMILIES, type AccFamily } from '../../probes/acc/trajectory.ts';
import type { GenerateOptions } from '../../probes/generate.ts';
import { generateGraphwalks } from '../../probes/graphwalks/generate.ts';
import { IMPORT_FORMATS, importProbes, type ImportFormat, type ImportResult } from '../../probes/import.ts';
import { summarize } from '../../probes/inspect.ts';
import { parseJsonl } from '../../probes/jsonl.ts';
import { generateMrcr } from '../../probes/mrcr/generate.ts';
import { ProbeSchema, type Probe } from '../../probes/schema.ts';
import { loadTokenizer } from '../../tokenize/load.ts';
import { tokenizeProbe } from '../../tokenize/tokenize-probe.ts';
import { parseFlags, type Command } from '../command.ts';

const HELP = `Usage:
  acc-lens probes mrcr       --n N --tokens T --seed S --out FILE
  acc-lens probes graphwalks --n N --tokens T --seed S --out FILE
  acc-lens probes acc        --family search|swe|sql --n N --tokens T --seed S --out FILE
  acc-lens probes import FILE --out FILE [--format F] [--family search|swe|sql] [--max-tokens N] [--skip-bad] [--json]
  acc-lens probes inspect FILE [--tokenizer DIR] [--json]

Probe sets are JSONL, one probe per line (docs/probes.md): messages, segments (evidence,
distractor, question, …) with char spans, the answer (teacher-forced target), family, metadata.

Generate (deterministic for --seed; --tokens 1000..131072, hit within a few %):
  mrcr        OpenAI-MRCR-shaped conversations with 2/4/8 identical needle requests
  graphwalks  directed graphs with 10-hex node ids; parents and BFS-at-depth operations
  acc         ACC-compiled probes from synthetic search / SWE / SQL agent trajectories
Every generated probe opens with its family header and keeps evidence >= 100 tokens before the
question, as the reference model pair expects.

Import (format detected when --format is not given):
  ${IMPORT_FORMATS.join(', ')}
  mrcr / graphwalks rows as JSONL or Parquet; acc-rows = ACC dataset JSONL; agent trajectories one
  per file, one per JSONL line (OpenHands output.jsonl, chat logs) or one per ReAct episode. Text is
  normalized to NFC. Invalid JSON stops with file:line:column, a wrong field type with the field;
  --skip-bad goes on and lists the bad lines. Probes whose evidence or answer is not found are kept,
  flagged and counted. --max-tokens N compiles trajectories under N tokens (distractors dropped
  first) and leaves out probes still over it; without it, probes over 131,072 tokens are kept with
  a warning. Imported probes keep their own length, so import takes no --tokens.

Inspect: tokenizes (Qwen3 by default) and prints counts per family, a length histogram, segment
kinds, evidence distances, retrievability (the share of answer / question tokens whose earlier
occurrences >= 100 tokens back all lie in evidence) and the n-gram matcher ceiling: the best evidence
mass a head matching the last 1-4 tokens could reach. A retrieval contract above the ceiling needs a
head that knows more than the tokens (e.g. GraphWalks: which node the question asks about).

Examples:
  acc-lens probes mrcr --n 8 --tokens 16384 --seed 1 --out probes/mrcr-16k.jsonl
  acc-lens probes import 2needle_0.parquet --out probes/mrcr-official.jsonl
  acc-lens probes inspect probes/mrcr-16k.jsonl --json`;

const GenerateFlags = z.object({
  n: z.coerce.number().int().min(1),
  tokens: z.coerce.number().int().min(1000).max(131_072),
  seed: z.coerce.number().int().default(0),
  out: z.string().min(1),
});

function usage(message: string): never {
  throw new AccLensError('E_USAGE', `acc-lens probes: ${message}`, 'Run `acc-lens probes --help`.');
}

async function writeJsonl(file: string, probes: readonly Probe[]): Promise<void> {
  await ensureDir(dirname(file));
  await writeFileAtomic(file, probes.map((p) => JSON.stringify(p)).join('\n') + '\n');
}

/** What an import leaves the user to check: probes over the size limit, missing answers. */
function importWarnings(r: ImportResult): string[] {
  const out = r.over_limit.map(
    (o) =>
      `probe ${o.id} has ~${o.tokens.toLocaleString('en-US')} tokens, over ${r.max_tokens.toLocaleString('en-US')}${r.left_out ? ' (--max-tokens): left out' : ': kept; pass --max-tokens N to compile under N or leave it out'}`,
  );
  if (r.answer_missing > 0)
    out.push(
      `no final answer or patch in ${r.answer_missing} trajectories (kept with an empty target, answer_found: false)`,
    );
  return out;
}

function readInput(file: string): Uint8Array {
  if (!existsSync(file)) throw new AccLensError('E_FILE_NOT_FOUND', `no such file: ${file}`);
  if (statSync(file).isDirectory())
    throw new AccLensError(
      'E_USAGE',
      `${file} is a folder; acc-lens probes reads one input file`,
      'Pass one file (e.g. `for f in DIR/*.traj; do acc-lens probes import "$f" --out "probes/$(basename "$f").jsonl"; done`).',
    );
  return readFileSync(file);
}

const accFamily = (v: string | undefined): AccFamily | undefined => {
  if (v === undefined) return undefined;
  const f = v.startsWith('acc_') ? v : `acc_${v}`;
  if (!(ACC_FAMILIES as readonly string[]).includes(f)) usage(`--family must be search, swe or sql (got "${v}")`);
  return f as AccFamily;
};

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('probes', argv, {
    n: { type: 'string' },
    tokens: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    family: { type: 'string' },
    format: { type: 'string' },
    'skip-bad': { type: 'boolean' },
    'max-tokens': { type: 'string' },
    json: { type: 'boolean' },
    tokenizer: { type: 'string' },
  });
  const [sub, file] = positionals;
  if (values.help === true || sub === undefined) {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined && values.help !== true ? 2 : 0;
  }
  const print = (human: string, json: unknown): void => {
    process.stdout.write(values.json === true ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  };
  if (sub === 'mrcr' || sub === 'graphwalks' || sub === 'acc') {
    const parsed = GenerateFlags.safeParse(values);
    if (!parsed.success) usage(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    const options: GenerateOptions = { n: parsed.data.n, tokens: parsed.data.tokens, seed: parsed.data.seed };
    const family = sub === 'acc' ? (accFamily(values.family) ?? usage('acc needs --family search|swe|sql')) : undefined;
    const probes =
      sub === 'mrcr'
        ? generateMrcr(options)
        : sub === 'graphwalks'
          ? generateGraphwalks(options)
          : generateAcc(family as AccFamily, options);
    await writeJsonl(parsed.data.out, probes);
    print(
      `wrote ${probes.length} ${family ?? sub} probes (~${options.tokens} tokens each, seed ${options.seed}) to ${parsed.data.out}`,
      { out: parsed.data.out, probes: probes.length, family: family ?? sub, ...options },
    );
    return 0;
  }
  if (sub === 'import') {
    if (file === undefined || values.out === undefined) usage('import needs FILE and --out FILE');
    if (values.format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(values.format))
      usage(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
    if (values.tokens !== undefined)
      usage(
        'import takes no --tokens: imported probes keep their own length; --max-tokens N compiles trajectories under N and leaves out probes over it',
      );
    const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 100))
      usage(`--max-tokens ${values['max-tokens']}: expected an integer >= 100`);
    const result = await importProbes(file, readInput(file), {
      format: values.format as ImportFormat | undefined,
      family: accFamily(values.family),
      skipBad: values['skip-bad'] === true,
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    });
    await writeJsonl(values.out, result.probes);
    const warnings = importWarnings(result);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const lines = [`imported ${result.probes.length} probes (${result.format}) from ${file} to ${values.out}`];
    if (result.evidence_missing > 0)
      lines.push(`evidence not found in ${result.evidence_missing} probes (kept, flagged evidence_found: false)`);
    for (const b of result.bad) lines.push(`skipped ${b.file}:${b.line}: ${b.message}`);
    print(lines.join('\n'), {
      format: result.format,
      probes: result.probes.length,
      evidence_missing: result.evidence_missing,
      answer_missing: result.answer_missing,
      over_limit: result.over_limit,
      max_tokens: result.max_tokens,
      skipped: result.bad,
      warnings,
    });
    return 0;
  }
  if (sub === 'inspect') {
    if (file === undefined) usage('inspect needs FILE');
    const { rows, bad } = parseJsonl(
      new TextDecoder().decode(readInput(file)),
      file,
      ProbeSchema,
      values['skip-bad'] === true,
    );
    const tokenizer = loadTokenizer(values.tokenizer);
    const summary = summarize(rows.map((r) => tokenizeProbe(tokenizer, r.value)));
    const human = [
      `${summary.probes} probes in ${file}`,
      `length histogram: ${Object.entries(summary.length_histogram)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    ];
    for (const [family, s] of Object.entries(summary.families)) {
      human.push(`${family}: ${s.probes} probes, tokens ${s.tokens.min}..${s.tokens.max} (median ${s.tokens.median})`);
      human.push(
        `  segments: ${Object.entries(s.segment_kinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      human.push(
        `  evidence distance (tokens before the question/answer): min ${s.evidence_distance.min ?? '-'}, median ${s.evidence_distance.median ?? '-'}, max ${s.evidence_distance.max ?? '-'}`,
      );
      human.push(
        `  retrievability: answer ${s.retrievability.answer.toFixed(3)}, question ${s.retrievability.question.toFixed(3)}; evidence missing in ${s.evidence_missing}`,
      );
      const c = s.matcher_ceiling;
      human.push(
        `  n-gram matcher ceiling (evidence mass): answer ${c.answer.mass.toFixed(3)} (n = ${c.answer.n}), question ${c.question.mass.toFixed(3)} (n = ${c.question.n})`,
      );
    }
    for (const b of bad) human.push(`skipped ${b.file}:${b.line}: ${b.message}`);
    print(human.join('\n'), { ...summary, skipped: bad });
    return 0;
  }
  return usage(`unknown subcommand "${sub}" (mrcr, graphwalks, acc, import, inspect)`);
}

export const probesCommand: Command = {
  name: 'probes',
  summary: 'Generate (mrcr | graphwalks | acc) or import probe sets with known evidence spans; inspect them.',
  help: HELP,
  run,
};
