import { estimateTokens } from '../estimate.ts';
import { makeWords, type Words } from '../lexicon.ts';
import type { Rng } from '../prng.ts';
import type { AccFamily, Trajectory, TrajectoryStep } from './trajectory.ts';

/**
 * Seeded synthetic agent trajectories for the three ACC families, sized so that their compiled
 * probe is about `tokens` tokens. Key and payload words (rare, unique to the probe) occur only in
 * the evidence observations, the question and the answer; everything else uses filler words.
 */
export interface SyntheticTrajectory {
  trajectory: Trajectory;
  keyWords: string[];
  payloadWords: string[];
}

const step = (tool: string, args: string, observation: string, thought = ''): TrajectoryStep => ({ thought, tool, args, observation });

/** Filler of about `tokens` tokens with `sentence` placed at a random sentence boundary. */
function around(rng: Rng, words: Words, tokens: number, sentence: string): string {
  const before = rng.int(0, Math.max(0, tokens - 20));
  return `${words.fillerText(before)}${sentence}${words.fillerText(Math.max(0, tokens - before - 20))}`;
}

function pieceBudget(tokens: number): { n: number; each: number } {
  const n = Math.max(3, Math.min(40, Math.round(tokens / 3000)));
  return { n, each: Math.max(60, Math.floor((tokens - 120) / n) - 12) };
}

function search(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(6);
  const entity = keys.join(' ');
  const { n, each } = pieceBudget(tokens);
  const urls = Array.from({ length: n }, (_, i) => `https://www.example.org/wiki/page_${rng.int(1000, 9999)}_${i}`);
  const evidenceSentence = (part: string[]): string => ` The${' '}${entity} announced ${part.join(' ')}.`;
  const results = urls.slice(2).map((u) => `Title:${words.fillerSentence(4)}\nURL: ${u}\nSnippet:${words.fillerText(each - 24)}`);
  const visitedResults = urls.slice(0, 2).map((u) => `Title: ${entity}\nURL: ${u}\nSnippet:${words.fillerSentence(8)}`);
  const steps = [
    step('search', JSON.stringify({ query: entity }), rng.shuffle([...visitedResults, ...results]).join('\n\n'), 'I should search for the entity.'),
    step('visit', urls[0] as string, `Title: ${entity}\n${around(rng, words, each, evidenceSentence(payload.slice(0, 3)))}`),
    step('visit', urls[1] as string, `Title: ${entity}\n${around(rng, words, each, evidenceSentence(payload.slice(3)))}`),
  ];
  return {
    trajectory: {
      format: 'synthetic', question: `What did the ${entity} announce? Answer with the announced items.`,
      answer: `Final answer: the ${entity} announced ${payload.join(' ')}.`, steps, patch: null, n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys, payloadWords: payload,
  };
}

function codeFile(rng: Rng, words: Words, tokens: number, inject?: string): string {
  const lines: string[] = [];
  let used = 0;
  const injectAt = rng.int(0, Math.max(0, Math.floor(tokens / 12) - 6));
  while (used < tokens) {
    if (lines.length === injectAt && inject !== undefined) lines.push(inject);
    const [a, b, c, d] = [words.filler(), words.filler(), words.filler(), words.filler()];
    const line = rng.int(0, 5) === 0 ? `\ndef ${a}_${b}(${c}, ${d}):` : `    ${a} = ${b}(${c}, ${d})  # ${words.filler()} ${words.filler()}`;
    lines.push(line);
    used += estimateTokens(line) + 1;
  }
  if (inject !== undefined && !lines.includes(inject)) lines.push(inject);
  return `${lines.join('\n')}\n`;
}

function swe(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(9);
  const { n, each } = pieceBudget(tokens);
  const p = (i: number): string => payload[i] as string;
  const block = [
    `def check_limit(request):`,
    `    # the ${keys.join(' ')} check: ${p(0)} ${p(1)} ${p(2)}`,
    `    if ${p(3)} > ${p(4)}:`,
    `        return ${p(5)} + ${p(6)} * ${p(7)} - ${p(8)}`,
  ];
  const path = `src/${words.filler()}/limits.py`;
  const patched = codeFile(rng, words, each, block.join('\n'));
  const others = Array.from({ length: n - 1 }, (_, i) => ({ path: `src/${words.filler()}/${words.filler()}_${i}.py`, text: codeFile(rng, words, each) }));
  const patch = [
    `diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, '@@ -1,4 +1,4 @@',
    ...block.slice(0, 2).map((l) => ` ${l}`), `-${block[2]}`, `+    if ${p(3)} >= ${p(4)}:`, ` ${block[3]}`, '',
  ].join('\n');
  const order = rng.shuffle([{ path, text: patched }, ...others]);
  const steps = [
    step('bash', 'find . -name "*.py" | head', order.map((f) => `./${f.path}`).join('\n'), 'Locate the code.'),
    ...order.map((f) => step('bash', `cat ${f.path}`, f.text)),
    step('bash', 'python reproduce.py', 'Traceback (most recent call last):\n  AssertionError'),
  ];
  return {
    trajectory: {
      format: 'synthetic', question: `The ${keys.join(' ')} check in ${path} treats the equal case wrongly: when ${p(3)} equals ${p(4)} it must pass. Fix it.`,
      answer: '', steps, patch, n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys, payloadWords: payload,
  };
}

function tableDump(rng: Rng, words: Words, name: string, tokens: number, keyRow?: string): string {
  const rows = [`id | name | city | product | amount`];
  const keyAt = rng.int(0, Math.max(1, Math.floor(tokens / 22)));
  let used = 12;
  for (let i = 0; used < tokens || (keyRow !== undefined && i <= keyAt); i++) {
    const row = i === keyAt && keyRow !== undefined ? `${i + 1} |${keyRow}` : `${i + 1} | ${words.filler()} ${words.filler()} | ${words.filler()} | ${words.filler()} | ${rng.int(1, 999)}`;
    rows.push(row);
    used += estimateTokens(row) + 1;
  }
  return `${name} (${rows.length - 1} rows)\n${rows.join('\n')}`;
}

function sql(rng: Rng, words: Words, tokens: number): SyntheticTrajectory {
  const keys = words.keys(2);
  const payload = words.keys(3);
  const { n, each } = pieceBudget(tokens);
  const keyRow = ` ${keys.join(' ')} | ${payload[0]} | ${payload[1]} ${payload[2]} | 512`;
  const names = Array.from({ length: n }, (_, i) => `${words.filler()}_${i}`);
  const target = names[0] as string;
  const explore = rng.shuffle(names).map((t) => step('sql_query', `SELECT * FROM ${t}`, tableDump(rng, words, t, each, t === target ? keyRow : undefined)));
  const steps = [
    step('list_tables', '', names.join('\n'), 'List the tables.'),
    ...explore,
    step('sql_query', `SELECT city, product FROM ${target} WHERE name = '${keys.join(' ')}'`, `city | product\n${payload[0]} | ${payload[1]} ${payload[2]}`),
  ];
  return {
    trajectory: {
      format: 'synthetic', question: `Which city and product are recorded for the customer named ${keys.join(' ')}?`,
      answer: `Final answer: ${keys.join(' ')}, ${payload[0]}, ${payload[1]} ${payload[2]}.`, steps, patch: null, n_turns: 2 + 2 * steps.length,
    },
    keyWords: keys, payloadWords: payload,
  };
}

/** A synthetic trajectory of `family` whose compiled probe is about `tokens` tokens. */
export function syntheticTrajectory(family: AccFamily, rng: Rng, tokens: number): SyntheticTrajectory {
  const words = makeWords(rng);
  if (family === 'acc_search') return search(rng, words, tokens);
  if (family === 'acc_swe') return swe(rng, words, tokens);
  return sql(rng, words, tokens);
}
