import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../analysis/probes/acc/formats/detect.ts';
import { importProbes } from '../../../analysis/probes/import.ts';
import type { Probe, TextProbe } from '../../../analysis/probes/schema.ts';
import { loadTokenizer } from '../../../analysis/tokenize/load.ts';
import { tokenizeProbe } from '../../../analysis/tokenize/tokenize-probe.ts';

// Fixtures mirror real files (test/fixtures/probes/README.md names each one's public original).
const dir = 'test/fixtures/probes';
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
const load = async (name: string): Promise<TextProbe[]> =>
  (await importProbes(join(dir, name), readFileSync(join(dir, name)))).probes as TextProbe[];

interface View {
  kind: string;
  label: string;
  text: string;
}
/** Every segment of a compiled probe with the text it covers. */
function views(p: Probe | undefined): View[] {
  const t = p as TextProbe;
  const content = t.messages?.[0]?.content ?? '';
  return t.segments.map((s) => ({ kind: s.kind, label: s.label, text: content.slice(s.start, s.end) }));
}
const piece = (p: Probe | undefined, label: string): View | undefined => views(p).find((v) => v.label === label);
const question = (p: Probe | undefined): string => views(p).find((v) => v.kind === 'question')?.text ?? '';
const kinds = (p: Probe | undefined): string[] => views(p).map((v) => v.kind);

const ISSUE = 'check() rejects equal values\nCalling `check(3, 3)` returns False, but the docs say equal values pass.';
const PATCH =
  'diff --git a/src/calc/limits.py b/src/calc/limits.py\nindex 3f2a1c0..9b7e4d2 100644\n--- a/src/calc/limits.py\n+++ b/src/calc/limits.py\n' +
  '@@ -1,4 +1,4 @@\n def check(a, b):\n     """True when a is at least b (Grenzwert prüfen)."""\n-    return a > b\n+    return a >= b\n';
const SWE_KINDS = ['instruction', 'evidence', 'distractor', 'question'];

describe('mini-swe-agent', () => {
  it.each(['mini-swe-agent.traj.json', 'mini-swe-agent-v2.traj.json', 'mini-swe-agent-v2-toolcalls.traj.json'])(
    '%s: the viewed file in the patch is evidence, the other a distractor; the target is the submitted patch',
    async (name) => {
      const [p] = await load(name);
      expect(p?.family).toBe('acc_swe');
      expect(piece(p, 'src/calc/limits.py')?.kind).toBe('evidence');
      expect(piece(p, 'src/calc/limits.py')?.text).toContain('return a > b');
      expect(piece(p, 'src/calc/utils.py')).toMatchObject({ kind: 'distractor' });
      expect(piece(p, 'src/calc/utils.py')?.text).toContain('return x * 2');
      expect(question(p)).toBe(`Question: ${ISSUE}`);
      expect(p?.answer).toBe(PATCH);
      expect(p?.metadata.answer_from).toBe('patch');
    },
  );

  it('v2 text mode: commands come from ```mswea_bash_command blocks (none is empty)', () => {
    const t = parseDocument(JSON.parse(read('mini-swe-agent-v2.traj.json')), 'mini-swe-agent', 'v2');
    expect(t.steps.map((s) => s.args)).toEqual([
      "cd /testbed && nl -ba src/calc/limits.py | sed -n '1,20p'",
      'cd /testbed && cat src/calc/utils.py',
      "cd /testbed && sed -i 's/return a > b/return a >= b/' src/calc/limits.py",
      'cd /testbed && echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff -- src/calc/limits.py',
    ]);
    // the output inside <output>, not the <returncode> wrapper
    expect(t.steps[0]?.observation.startsWith('     1\tdef check(a, b):')).toBe(true);
  });

  it('v2 tool calls: parallel calls get the tool message with their id; a long output keeps head, tail and the elision', async () => {
    const t = parseDocument(JSON.parse(read('mini-swe-agent-v2-toolcalls.traj.json')), 'mini-swe-agent', 'tc');
    expect(t.steps[0]).toMatchObject({ args: 'cd /testbed && cat src/calc/limits.py' });
    expect(t.steps[0]?.observation).toContain('return a > b');
    expect(t.steps[1]?.observation).toContain('return x * 2');
    const [p] = await load('mini-swe-agent-v2-toolcalls.traj.json');
    const long = piece(p, 'src/calc/generated.py');
    expect(long?.kind).toBe('distractor');
    expect(long?.text).toContain('def f0(x):');
    expect(long?.text).toContain('characters elided');
    expect(long?.text).toContain('return x + 39');
  });
});

describe('SWE-agent', () => {
  it('1.x (function calling): windows are pieces without the (Open file …) prompt state; target = info.submission', async () => {
    const [p] = await load('swe-agent-1x.traj');
    expect(kinds(p)).toEqual(expect.arrayContaining(SWE_KINDS));
    expect(piece(p, 'src/calc/limits.py')?.kind).toBe('evidence');
    expect(piece(p, 'src/calc/limits.py')?.text).toContain('3:    return a > b');
    expect(piece(p, 'src/calc/utils.py')?.kind).toBe('distractor');
    for (const v of views(p)) expect(v.text).not.toContain('(Open file:');
    expect(question(p)).toBe(`Question: ${ISSUE}`);
    // the patch as SWE-agent recorded it (CRLF from the terminal), from its first diff line
    expect(p?.answer).toBe(PATCH.replace(/\n/g, '\r\n'));
    expect(p?.metadata.patch_from).toBe('info.submission');
  });

  it('1.x without info: the target is the diff the submit observation printed', async () => {
    const [withInfo] = await load('swe-agent-1x.traj');
    const [p] = await load('swe-agent-1x-no-info.traj');
    expect(p?.answer).toBe(withInfo?.answer);
    expect(p?.answer.startsWith('diff --git a/src/calc/limits.py')).toBe(true);
    expect(p?.metadata).toMatchObject({ patch_from: 'submit observation', answer_from: 'patch', evidence_found: true });
    expect(piece(p, 'src/calc/limits.py')?.kind).toBe('evidence');
  });

  it('0.x legacy: the demonstration is skipped, open + scroll_down windows merge, the post-edit window is not evidence', async () => {
    const [p] = await load('swe-agent-legacy.traj');
    for (const v of views(p)) expect(v.text).not.toContain('src/demo/other.py');
    const limits = piece(p, 'src/calc/limits.py');
    expect(limits?.kind).toBe('evidence');
    expect(limits?.text).toContain('3:    return a > b');
    expect(limits?.text).toContain('6:    "lower": "floor",');
    expect(limits?.text).not.toContain('return a >= b');
    expect(p?.answer).toBe(PATCH);
    expect(question(p)).toBe(`Question: ${ISSUE}`);
  });
});

describe('OpenHands', () => {
  it('event stream whose finish has no final_thought and empty outputs: the answer is the agent message, not "{}"', async () => {
    const [p] = await load('openhands.json');
    expect(p?.answer).toBe('The river Aldra runs through Vessa.');
    expect(p?.family).toBe('acc_search');
    expect(piece(p, 'https://wiki.example.org/Vessa')).toMatchObject({ kind: 'evidence' });
    expect(piece(p, 'https://wiki.example.org/Vessa')?.text).toContain('The river Aldra flows through the old town');
    expect(piece(p, 'https://wiki.example.org/Aldra')?.text).toContain('212 km long');
    expect(question(p)).toBe('Question: Which river runs through Vessa, the capital of Norland?');
    expect(kinds(p)).toEqual(['instruction', 'evidence', 'evidence', 'question']);
  });

  it('a finish with non-empty outputs (and no final_thought) answers with outputs.content', async () => {
    type Event = { action?: string; source?: string; args?: Record<string, unknown> };
    const events = (JSON.parse(read('openhands.json')) as Event[])
      .filter((e) => !(e.action === 'message' && e.source === 'agent'))
      .map((e) => (e.action === 'finish' ? { ...e, args: { outputs: { content: 'The Aldra.' }, thought: '' } } : e));
    const [p] = (await importProbes('with-outputs.json', new TextEncoder().encode(JSON.stringify(events))))
      .probes as TextProbe[];
    expect(p?.answer).toBe('The Aldra.');
    expect(p?.metadata.answer_from).toBe('final answer');
  });

  it('output.jsonl: one probe per row; the target is test_result.git_patch, not the finish message', async () => {
    const [a, b] = await load('openhands-output.jsonl');
    expect(a?.id).toBe('acc_swe-openhands-output.jsonl:1');
    expect(a?.answer).toBe(PATCH);
    expect(a?.answer).not.toContain('I changed the comparison');
    expect(a?.metadata).toMatchObject({ instance_id: 'calc__calc-7', answer_from: 'patch' });
    expect(question(a)).toBe(`Question: ${ISSUE}`);
    expect(piece(a, 'src/calc/limits.py')?.kind).toBe('evidence');
    expect(piece(a, 'src/calc/limits.py')?.text).toContain("Here's the result of running `cat -n`");
    expect(piece(a, 'src/calc/utils.py')?.kind).toBe('distractor');
    // row 2: the 2024 form, history as [action, observation] pairs, finish with outputs {}
    expect(b?.id).toBe('acc_swe-openhands-output.jsonl:2');
    expect(b?.answer.startsWith('diff --git a/src/calc/rounding.py')).toBe(true);
    expect(piece(b, 'src/calc/rounding.py')).toMatchObject({
      kind: 'evidence',
      text: expect.stringContaining('int(x)'),
    });
    expect(piece(b, 'src/calc/limits.py')?.kind).toBe('distractor');
    expect(question(b)).toBe('Question: half_up() truncates\n`half_up(2.5)` gives 2.');
  });
});

describe('OpenAI-style chat', () => {
  it('visited page is evidence, unvisited results distractors, the truncation marker is kept, the last reply is the answer', async () => {
    const [p] = await load('openai-chat.json');
    expect(piece(p, 'https://en.wikipedia.org/wiki/Leaning_Tower_of_Pisa')).toMatchObject({
      kind: 'evidence',
      text: expect.stringContaining('began in 1173'),
    });
    expect(piece(p, 'https://example.com/tours')?.text).toContain('[OUTPUT TRUNCATED]');
    expect(views(p).filter((v) => v.kind === 'distractor')).toHaveLength(2);
    expect(p?.answer).toBe('1173');
    expect(question(p)).toBe("Question: In which year was the Leaning Tower's construction begun?");
  });
});

describe('OpenAI-style chat, one conversation per JSONL line', () => {
  it('arguments as objects and content as {text} parts are read like strings; each line is a probe', async () => {
    const [a, b] = await load('openai-chat.jsonl');
    expect([a?.id, a?.answer, b?.id, b?.answer]).toEqual([
      'acc_search-openai-chat.jsonl:1',
      'Ilse Marren',
      'acc_search-openai-chat.jsonl:2',
      '212 km',
    ]);
    expect(piece(a, 'https://wiki.example.org/Kestrel_Press')?.kind).toBe('evidence');
    expect(piece(a, 'https://birds.example.org/kestrel')?.kind).toBe('distractor');
    expect(piece(b, 'https://wiki.example.org/Aldra')?.text).toContain('212 km long');
    expect(question(b)).toBe('Question: How long is the Aldra?');
  });
});

describe('ReAct', () => {
  it('HotpotQA log: one probe per episode, each with its own answer; the last observation before Finish is evidence', async () => {
    const probes = await load('react-hotpotqa.log');
    expect(probes.map((p) => [p.id, p.answer])).toEqual([
      ['acc_search-react-hotpotqa.log#1', 'Aldra'],
      ['acc_search-react-hotpotqa.log#2', '1938'],
    ]);
    const [first, second] = probes;
    expect(piece(first, 'Lookup[river]')).toMatchObject({
      kind: 'evidence',
      text: expect.stringContaining('(Result 1 / 1) The river Aldra flows through the old town of Vessa'),
    });
    expect(piece(first, 'Search[Norland Glass Museum]')?.kind).toBe('distractor');
    expect(
      views(first)
        .filter((v) => v.kind === 'evidence')
        .map((v) => v.label),
    ).toEqual(expect.arrayContaining(['Search[Norland Museum of Glass]', 'Search[Vessa]', 'Lookup[river]']));
    for (const v of [...views(first), ...views(second)]) {
      expect(v.text).not.toContain('Episode finished');
      expect(v.text).not.toContain("'gt_answer'");
    }
    for (const v of views(first)) expect(v.text).not.toContain('Kestrel');
    expect(question(second)).toBe('Question: In what year did the founder of Kestrel Press die?');
    expect(first?.metadata).toMatchObject({
      episode: 1,
      question_idx: 1042,
      gt_answer: 'Aldra',
      answer_matches_gold: true,
    });
  });

  it('FEVER log: Claim lines are the question, the verdict is the target, the gold label is kept', async () => {
    const [a, b] = await load('react-fever.log');
    expect(question(a)).toBe(
      'Claim: The Aldra flows through Vessa.\nDoes the evidence SUPPORT or REFUTE the claim, or is there NOT ENOUGH INFO?',
    );
    expect(a?.answer).toBe('SUPPORTS');
    expect(piece(a, 'Search[Aldra]')).toMatchObject({
      kind: 'evidence',
      text: expect.stringContaining('passes through Vessa'),
    });
    expect(b?.answer).toBe('NOT ENOUGH INFO');
    expect(b?.metadata).toMatchObject({
      question_idx: 512,
      gt_answer: 'REFUTES',
      reward: 0,
      answer_matches_gold: false,
    });
    expect(kinds(b)).toEqual(['instruction', 'evidence', 'question']);
  });

  it('a single episode in the few-shot prompt style is one probe named after the file', async () => {
    const [p, ...rest] = await load('react.txt');
    expect(rest).toHaveLength(0);
    expect(p?.id).toBe('acc_search-react.txt');
    expect(p?.answer).toBe('Aldra');
    expect(piece(p, 'Search[Vessa river]')?.kind).toBe('distractor');
    expect(piece(p, 'Search[Vessa]')?.text).toContain('The river Aldra flows through the old town.');
  });
});

describe('NFC', () => {
  it('trajectory text is NFC: a decomposed ü in a file view becomes one code point, and the probe tokenizes', async () => {
    expect(read('swe-agent-legacy.traj')).toContain('pru\u0308fen');
    for (const name of ['swe-agent-legacy.traj', 'mini-swe-agent.traj.json', 'openhands-output.jsonl']) {
      const [p] = await load(name);
      const content = p?.messages?.[0]?.content ?? '';
      expect(content).toContain('Grenzwert prüfen');
      expect(content.normalize('NFC')).toBe(content);
      expect(tokenizeProbe(loadTokenizer(), p as Probe).n_tokens).toBeGreaterThan(50);
    }
  });
});
