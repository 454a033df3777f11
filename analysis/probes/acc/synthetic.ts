import { estimateTokens } from '../estimate.ts';
import { makeWords, type Words } from '../lexicon.ts';
import type { Rng } from '../prng.ts';
import type { AccFamily, Trajectory, TrajectoryStep } from './trajectory.ts';

/** A generated trajectory and the rare words it planted (keys name the entity, payload words form the answer). */
export interface SyntheticTrajectory {
  trajectory: Trajectory;
  keyWords: string[];
  payloadWords: string[];
}

const step = (tool: string, args: string, observation: string, thought = ''): TrajectoryStep => ({
  thought,
  tool,
  args,
  observation,
});

/** Filler of about `tokens` tokens with `sentence` placed at a random sentence boundary. */
function around(rng: Rng, words: Words, tokens: number, sentence: string): string {
  const before = rng.int(0, Math.max(0, tokens - 20));
  return `${words.fillerText(before)}${sentence}${words.fillerText(Math.max(0, tokens - before - 20))}`;
}

/**
 * Piece sizes: evidence pieces stay small (≈ 2 % of the probe each, 50–400 tokens) among many
 * distractor pieces, so evidence is a small share of the context — as in real compiled contexts,
 * and so that diffuse attention puts little mass on it (docs/probes.md).
 */
function pieceBudget(tokens: number, evidencePieces: number): { n: number; each: number; evidence: number } {
  const evidence = Math.max(50, Math.min(400, Math.round(tokens * 0.02)));
  const rest = Math.max(200, tokens - 150 - evidencePieces * (evidence + 12));
  const n = Math.max(3, Math.min(200, Math.round(rest / 600)));
  return { n, each: Math.max(60, Math.floor(rest / n) - 12), evidence };
}

function search(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(8);
  const entity = keys.join(' ');
  const { n, each, evidence } = pieceBudget(tokens, 2);
  const urls = Array.from({ length: n + 2 }, (_, i) => `https://www.example.org/wiki/page_${rng.int(1000, 9999)}_${i}`);
  const evidenceSentence = (part: string[]): string => ` The${' '}${entity} announced ${part.join(' ')}.`;
  const results = urls
    .slice(2)
    .map((u) => `Title:${words.fillerSentence(4)}\nURL: ${u}\nSnippet:${words.fillerText(each - 24)}`);
  const visitedResults = urls.slice(0, 2).map((u) => `Title: ${entity}\nURL: ${u}\nSnippet:${words.fillerSentence(8)}`);
  const steps = [
    step(
      'search',
      JSON.stringify({ query: entity }),
      rng.shuffle([...visitedResults, ...results]).join('\n\n'),
      'I should search for the entity.',
    ),
    step(
      'visit',
      urls[0] as string,
      `Title: ${entity}\n${around(rng, words, evidence, evidenceSentence(payload.slice(0, 4)))}`,
    ),
    step(
      'visit',
      urls[1] as string,
      `Title: ${entity}\n${around(rng, words, evidence, evidenceSentence(payload.slice(4)))}`,
    ),
  ];
  return {
    trajectory: {
      format: 'synthetic',
      question: `What did the ${entity} announce? Answer with the announced items.`,
      // Payload-dense, so the answer tokens' earlier occurrences are in the evidence.
      answer: `Announced: ${payload.join(' ')}`,
      steps,
      patch: null,
      n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys,
    payloadWords: payload,
  };
}

function codeFile(rng: Rng, words: Words, tokens: number, inject?: string): string {
  const lines: string[] = [];
  let used = 0;
  const injectAt = rng.int(0, Math.max(0, Math.floor(tokens / 12) - 6));
  while (used < tokens) {
    if (lines.length === injectAt && inject !== undefined) lines.push(inject);
    const [a, b, c, d] = [words.filler(), words.filler(), words.filler(), words.filler()];
    const line =
      rng.int(0, 5) === 0
        ? `\ndef ${a}_${b}(${c}, ${d}):`
        : `    ${a} = ${b}(${c}, ${d})  # ${words.filler()} ${words.filler()}`;
    lines.push(line);
    used += estimateTokens(line) + 1;
  }
  if (inject !== undefined && !lines.includes(inject)) lines.push(inject);
  return `${lines.join('\n')}\n`;
}

function swe(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(25);
  const { n, each, evidence } = pieceBudget(tokens, 1);
  const p = (i: number): string => payload[i] as string;
  // The patched function documents its rule in comments; the patch repeats them as context, so most
  // of the answer's tokens occur earlier only in the patched file (the evidence).
  const block = [
    `def check_limit(request):`,
    `    # the ${keys.join(' ')} check: ${p(0)} ${p(1)} ${p(2)}`,
    `    # ${payload.slice(9, 17).join(' ')}`,
    `    # ${payload.slice(17, 25).join(' ')}`,
    `    if ${p(3)} > ${p(4)}:`,
    `        return ${p(5)} + ${p(6)} * ${p(7)} - ${p(8)}`,
  ];
  const path = `${words.filler()}/limits.py`;
  const patched = codeFile(rng, words, evidence, block.join('\n'));
  const others = Array.from({ length: n }, (_, i) => ({
    path: `src/${words.filler()}/${words.filler()}_${i}.py`,
    text: codeFile(rng, words, each),
  }));
  const patch = [
    `--- a/${path}`,
    `+++ b/${path}`,
    '@@ -1,6 +1,6 @@',
    ...block.slice(0, 4).map((l) => ` ${l}`),
    `-${block[4]}`,
    `+    if ${p(3)} >= ${p(4)}:`,
    ` ${block[5]}`,
    '',
  ].join('\n');
  const order = rng.shuffle([{ path, text: patched }, ...others]);
  const steps = [
    step('bash', 'find . -name "*.py" | head', order.map((f) => `./${f.path}`).join('\n'), 'Locate the code.'),
    ...order.map((f) => step('bash', `cat ${f.path}`, f.text)),
    step('bash', 'python reproduce.py', 'Traceback (most recent call last):\n  AssertionError'),
  ];
  return {
    trajectory: {
      format: 'synthetic',
      question: `The ${keys.join(' ')} check in ${path} treats the equal case wrongly: when ${p(3)} equals ${p(4)} it must pass. Fix it.`,
      answer: '',
      steps,
      patch,
      n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys,
    payloadWords: payload,
  };
}

function tableDump(rng: Rng, words: Words, name: string, tokens: number, keyRow?: string): string {
  const rows = [`id | name | city | product | amount`];
  const keyAt = rng.int(0, Math.max(1, Math.floor(tokens / 22)));
  let used = 12;
  for (let i = 0; used < tokens || (keyRow !== undefined && i <= keyAt); i++) {
    const row =
      i === keyAt && keyRow !== undefined
        ? `${i + 1} |${keyRow}`
        : `${i + 1} | ${words.filler()} ${words.filler()} | ${words.filler()} | ${words.filler()} | ${rng.int(1, 999)}`;
    rows.push(row);
    used += estimateTokens(row) + 1;
  }
  return `${name} (${rows.length - 1} rows)\n${rows.join('\n')}`;
}

function sql(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(6);
  const { n, each, evidence } = pieceBudget(tokens, 1);
  const keyRow = ` ${keys.join(' ')} | ${payload.slice(0, 2).join(' ')} | ${payload.slice(2).join(' ')} | 512`;
  const names = Array.from({ length: n + 1 }, (_, i) => `${words.filler()}_${i}`);
  const target = names[0] as string;
  const explore = rng
    .shuffle(names)
    .map((t) =>
      step(
        'sql_query',
        `SELECT * FROM ${t}`,
        t === target ? tableDump(rng, words, t, evidence, keyRow) : tableDump(rng, words, t, each),
      ),
    );
  const steps = [
    step('list_tables', '', names.join('\n'), 'List the tables.'),
    ...explore,
    step(
      'sql_query',
      `SELECT city, product FROM ${target} WHERE name = '${keys.join(' ')}'`,
      `city | product\n${payload.slice(0, 2).join(' ')} | ${payload.slice(2).join(' ')}`,
    ),
  ];
  return {
    trajectory: {
      format: 'synthetic',
      question: `Which city and product are recorded for the customer named ${keys.join(' ')}?`,
      answer: `City and product: ${payload.join(' ')}`,
      steps,
      patch: null,
      n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys,
    payloadWords: payload,
  };
}

/**
 * Seeded synthetic agent trajectories for the three ACC families, sized so that their compiled
 * probe is about `tokens` tokens. Key and payload words (rare, unique to the probe) occur only in
 * the evidence observations, the question and the answer; everything else uses filler words.
 */
export function syntheticTrajectory(family: AccFamily, rng: Rng, tokens: number): SyntheticTrajectory {
  const words = makeWords(rng);
  if (family === 'acc_search') return search(rng, words, tokens);
  if (family === 'acc_swe') return swe(rng, words, tokens);
  return sql(rng, words, tokens);
}
