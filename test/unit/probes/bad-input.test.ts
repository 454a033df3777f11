import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
import { compileTrajectory } from '../../../analysis/probes/acc/compile.ts';
import type { Trajectory } from '../../../analysis/probes/acc/trajectory.ts';
import { importProbes, type ImportOptions } from '../../../analysis/probes/import.ts';
import { jsonErrorOffset } from '../../../analysis/probes/json-text.ts';
import { PROBE_SCHEMA, type TextProbe } from '../../../analysis/probes/schema.ts';
import { DEFAULT_MAX_TOKENS } from '../../../analysis/probes/size.ts';

// Each case here backs a row of docs/bad-input.md.
const dir = 'test/fixtures/probes';
const fixture = (name: string): Uint8Array => readFileSync(join(dir, name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function failure(file: string, bytes: Uint8Array, options: ImportOptions = {}): Promise<AccLensError> {
  const e = await importProbes(file, bytes, options).catch((x: unknown) => x);
  if (!(e instanceof AccLensError)) throw new Error(`expected an AccLensError, got ${String(e)}`);
  return e;
}

describe('invalid JSON is E_JSONL_INVALID at file:line:column, with or without --format', () => {
  const truncated = readFileSync(join(dir, 'swe-agent-truncated.traj'), 'utf8');
  const lines = truncated.split('\n');
  const end = `swe-agent-truncated.traj:${lines.length}:${(lines.at(-1) as string).length + 1}`;

  it.each([{}, { format: 'swe-agent' as const }])('a truncated .traj (options %o)', async (options) => {
    const e = await failure('swe-agent-truncated.traj', fixture('swe-agent-truncated.traj'), options);
    expect(e.code).toBe('E_JSONL_INVALID');
    expect(e.message).toContain(`${end}: not valid JSON`);
  });

  it('a trailing comma points at the token after it (V8 gives no position for this one)', async () => {
    const json = '{\n  "history": [\n    {"role": "user", "content": "x"},\n  ]\n}';
    const e = await failure('comma.traj', utf8(json));
    expect(e.message).toMatch(/^comma\.traj:4:3: not valid JSON \(Unexpected token '\]'/);
  });

  it('a text file read with a JSON --format names where JSON was expected', async () => {
    const e = await failure('react.txt', fixture('react.txt'), { format: 'openhands' });
    expect(e.code).toBe('E_JSONL_INVALID');
    expect(e.message).toMatch(/react\.txt:1:1: --format openhands expects JSON/);
  });

  it('jsonErrorOffset agrees with JSON.parse on what is valid', () => {
    for (const ok of ['{}', '[1, -2.5e3, "a\\u00e9", true, null]', ' {"a": {"b": []}} '])
      expect(jsonErrorOffset(ok)).toBe(-1);
    for (const [bad, at] of [
      ['{"a" 1}', 5],
      ['[1 2]', 3],
      ['{"a": tru}', 6],
      ['"x\ny"', 2],
      ['{} x', 3],
    ] as const)
      expect(jsonErrorOffset(bad)).toBe(at);
  });
});

describe('a wrong field type is E_JSONL_INVALID naming the field', () => {
  it('swe-agent history[1].content is a number', async () => {
    const e = await failure('swe-agent-wrong-type.traj', fixture('swe-agent-wrong-type.traj'));
    expect(e.code).toBe('E_JSONL_INVALID');
    expect(e.message).toMatch(
      /swe-agent-wrong-type\.traj: history\.1\.content: expected a string, null .*\(got number\)/,
    );
  });

  it('an OpenHands output.jsonl stops at its first bad line; --skip-bad keeps the good rows and lists the bad ones', async () => {
    const e = await failure('openhands-output-bad.jsonl', fixture('openhands-output-bad.jsonl'));
    expect(e.message).toMatch(/openhands-output-bad\.jsonl:2:201: not valid JSON/);
    const r = await importProbes('openhands-output-bad.jsonl', fixture('openhands-output-bad.jsonl'), {
      skipBad: true,
    });
    expect(r.probes.map((p) => p.id)).toEqual(['acc_swe-openhands-output-bad.jsonl:1']);
    expect(r.bad.map((b) => [b.line, b.message])).toEqual([
      [2, expect.stringMatching(/^2:201: not valid JSON/)],
      [3, expect.stringMatching(/^3: history: .*expected array, received string/)],
    ]);
  });

  it('an OpenHands stream with no answer at all is kept with an empty target, flagged and counted', async () => {
    const events = JSON.parse(readFileSync(join(dir, 'openhands.json'), 'utf8')) as {
      action?: string;
      source?: string;
    }[];
    const silent = events.filter((e) => !(e.action === 'message' && e.source === 'agent'));
    const r = await importProbes('silent.json', utf8(JSON.stringify(silent)));
    expect(r.probes[0]?.answer).toBe('');
    expect(r.probes[0]?.metadata).toMatchObject({ answer_found: false, answer_from: 'none' });
    expect(r.answer_missing).toBe(1);
  });

  it('a ReAct-free text file and an empty file are E_FORMAT_UNKNOWN', async () => {
    expect((await failure('notes.txt', utf8('just some notes\n'))).code).toBe('E_FORMAT_UNKNOWN');
    expect((await failure('empty.json', utf8('  \n'))).message).toMatch(/empty/);
  });
});

function bigTrajectory(distractors: number, wordsEach: number): Trajectory {
  const page = (i: number) => Array.from({ length: wordsEach }, (_, w) => `word${(i * 7 + w) % 97}`).join(' ');
  return {
    format: 'openai-chat',
    question: 'Which page mentions the harbour?',
    answer: 'Page zero.',
    steps: [
      {
        thought: '',
        tool: 'visit',
        args: 'https://x.example/0',
        observation: `The harbour is described here. ${page(0)}`,
      },
      {
        thought: '',
        tool: 'web_search',
        args: 'harbour',
        observation: Array.from({ length: distractors }, (_, i) => `https://y.example/${i}\n${page(i + 1)}`).join(
          '\n\n',
        ),
      },
    ],
    patch: null,
    n_turns: 4,
  };
}

describe('size guards', () => {
  const row = (words: number): string =>
    JSON.stringify({
      schema: PROBE_SCHEMA,
      id: `big-${words}`,
      family: 'acc_search',
      text: 'alpha beta gamma '.repeat(words / 3),
      segments: [],
      answer: 'x',
      source: 'test',
      metadata: {},
    });

  it('a row over 131,072 tokens is kept and reported without --max-tokens, left out with it', async () => {
    const bytes = utf8(`${row(30)}\n${row(150_000)}\n`);
    const r = await importProbes('rows.jsonl', bytes);
    expect(r.probes).toHaveLength(2);
    expect(r.over_limit).toEqual([{ id: 'big-150000', tokens: expect.any(Number) }]);
    expect(r.over_limit[0]?.tokens).toBeGreaterThan(DEFAULT_MAX_TOKENS);
    expect(r.left_out).toBe(false);
    const limited = await importProbes('rows.jsonl', bytes, { maxTokens: 1000 });
    expect(limited.probes.map((p) => p.id)).toEqual(['big-30']);
    expect(limited).toMatchObject({ left_out: true, max_tokens: 1000 });
  });

  it('--max-tokens compiles a trajectory under the limit by dropping distractors, evidence kept', () => {
    const t = bigTrajectory(40, 60);
    const full = compileTrajectory(t, 'acc_search', { id: 'a', source: 's', seed: 1 });
    const capped = compileTrajectory(t, 'acc_search', { id: 'a', source: 's', seed: 1, tokens: 1500 });
    const count = (p: TextProbe, kind: string) => p.segments.filter((s) => s.kind === kind).length;
    expect(count(full, 'distractor')).toBe(40);
    expect(count(capped, 'distractor')).toBeLessThan(40);
    expect(capped.metadata.n_dropped_for_budget).toBe(40 - count(capped, 'distractor'));
    expect(count(capped, 'evidence')).toBe(1);
  });
});

describe('NFC for probe rows', () => {
  const probe = (content: string, start: number, end: number) =>
    JSON.stringify({
      schema: PROBE_SCHEMA,
      id: 'n',
      family: 'acc_search',
      messages: [{ role: 'user', content }],
      segments: [{ kind: 'evidence', label: 'e', turn: 0, start, end }],
      answer: 'cafe\u0301',
      source: 'test',
      metadata: {},
    });

  it('a decomposed text is normalized and its spans move with it', async () => {
    const content = 'cafe\u0301 au lait: the evidence.';
    const at = content.indexOf('the evidence');
    const [p] = (await importProbes('p.jsonl', utf8(`${probe(content, at, at + 12)}\n`))).probes as TextProbe[];
    const c = p?.messages?.[0]?.content ?? '';
    expect(c).toBe('café au lait: the evidence.');
    expect(c.slice(p?.segments[0]?.start, p?.segments[0]?.end)).toBe('the evidence');
    expect(p?.answer).toBe('café');
  });

  it('a segment boundary between a letter and its combining mark is E_CONFIG_INVALID naming the segment', async () => {
    const e = await failure('p.jsonl', utf8(`${probe('cafe\u0301 x', 4, 7)}\n`));
    expect(e.code).toBe('E_CONFIG_INVALID');
    expect(e.message).toMatch(/segment e \(evidence\) of turn 0 starts or ends inside a character/);
  });
});
