import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
import { parseTrajectory } from '../../../analysis/probes/acc/formats/detect.ts';
import { importProbes } from '../../../analysis/probes/import.ts';
import type { Probe, TextProbe } from '../../../analysis/probes/schema.ts';

const dir = 'test/fixtures/probes';
const bytes = (name: string): Uint8Array => readFileSync(join(dir, name));
const text = (name: string): string => readFileSync(join(dir, name), 'utf8');
const kinds = (p: Probe | undefined, kind: string): number => (p?.segments ?? []).filter((s) => s.kind === kind).length;

describe('MRCR importer', () => {
  it.each(['mrcr-rows.jsonl', 'mrcr-rows.parquet'])(
    'reads %s: evidence = the target reply, distractors = replies to the same request',
    async (name) => {
      const r = await importProbes(join(dir, name), bytes(name));
      expect(r.format).toBe('mrcr');
      expect(r.probes).toHaveLength(3);
      const [two, four, missing] = r.probes as TextProbe[];
      expect(two?.messages).toHaveLength(13);
      expect([kinds(two, 'evidence'), kinds(two, 'distractor'), kinds(two, 'question')]).toEqual([1, 1, 1]);
      expect([kinds(four, 'evidence'), kinds(four, 'distractor')]).toEqual([1, 3]);
      expect(two?.metadata.desired_msg_index_points_to).toBe('reply');
      expect(missing?.metadata.evidence_found).toBe(false);
      expect(r.evidence_missing).toBe(1);
    },
  );

  it('names file:line and the field of a bad line', async () => {
    await expect(importProbes('mrcr-bad.jsonl', bytes('mrcr-bad.jsonl'))).rejects.toThrow(/mrcr-bad\.jsonl:2: answer/);
  });

  it('with skipBad keeps the good lines and reports the bad ones', async () => {
    const r = await importProbes('mrcr-bad.jsonl', bytes('mrcr-bad.jsonl'), { skipBad: true });
    expect(r.probes).toHaveLength(2);
    expect(r.bad.map((b) => b.line)).toEqual([2, 3]);
    expect(r.bad[1]?.message).toMatch(/not valid JSON/);
  });
});

describe('GraphWalks importer', () => {
  it('recomputes the answers, counts duplicates and self-loops, and marks evidence edges only in the real graph', async () => {
    const r = await importProbes('graphwalks-rows.jsonl', bytes('graphwalks-rows.jsonl'));
    const [parents, bfs] = r.probes as TextProbe[];
    expect(parents?.metadata).toMatchObject({
      answer_matches: true,
      n_edges: 7,
      n_self_loops: 1,
      n_duplicate_edges: 1,
      n_evidence_edges: 3,
    });
    expect(kinds(parents, 'evidence')).toBe(3);
    expect(kinds(parents, 'other')).toBe(1);
    expect(bfs?.metadata).toMatchObject({ answer_matches: true, n_evidence_edges: 2 });
    const content = parents?.messages?.[0]?.content ?? '';
    for (const s of parents?.segments.filter((x) => x.kind === 'evidence') ?? []) {
      expect(s.start).toBeGreaterThan(content.indexOf('Here is the graph to operate on:'));
      expect(content.slice(s.start, s.end)).toMatch(/^[0-9a-f]{10} -> 1111aaaa22$/);
    }
  });
});

describe('ACC dataset rows', () => {
  it('locates evidence heuristically, keeps rows without it and counts them', async () => {
    const r = await importProbes('acc-rows.jsonl', bytes('acc-rows.jsonl'));
    expect(r.format).toBe('acc-rows');
    const [found, missing] = r.probes as TextProbe[];
    expect([kinds(found, 'evidence'), kinds(found, 'distractor'), kinds(found, 'question')]).toEqual([1, 2, 1]);
    expect(found?.answer).toBe('The capital of Norland is Vessa.');
    expect(missing?.metadata.evidence_found).toBe(false);
    expect(r.evidence_missing).toBe(1);
  });
});

describe('trajectory importers', () => {
  const cases: [
    string,
    string,
    { turns: number; calls: number; evidence: number; distractors: number; family: string },
  ][] = [
    ['swe-agent-1x.traj', 'swe-agent', { turns: 8, calls: 3, evidence: 1, distractors: 1, family: 'acc_swe' }],
    ['swe-agent-legacy.traj', 'swe-agent', { turns: 6, calls: 2, evidence: 1, distractors: 0, family: 'acc_swe' }],
    [
      'mini-swe-agent.traj.json',
      'mini-swe-agent',
      { turns: 8, calls: 3, evidence: 1, distractors: 1, family: 'acc_swe' },
    ],
    ['openhands.json', 'openhands', { turns: 6, calls: 2, evidence: 1, distractors: 1, family: 'acc_swe' }],
    ['openai-chat.json', 'openai-chat', { turns: 7, calls: 2, evidence: 1, distractors: 2, family: 'acc_search' }],
    ['react.txt', 'react', { turns: 11, calls: 3, evidence: 2, distractors: 1, family: 'acc_search' }],
  ];
  it.each(cases)('%s is detected as %s and compiled with the right counts', async (name, format, want) => {
    const before = text(name);
    const r = await importProbes(name, bytes(name));
    expect(r.format).toBe(format);
    const p = r.probes[0] as TextProbe;
    expect(p.family).toBe(want.family);
    expect(p.metadata).toMatchObject({
      n_turns: want.turns,
      n_tool_calls: want.calls,
      n_evidence: want.evidence,
      n_distractors: want.distractors,
    });
    expect(kinds(p, 'evidence')).toBe(want.evidence);
    expect(text(name)).toBe(before);
  });

  it('keeps in-band truncation markers of tool outputs', async () => {
    const r = await importProbes('openai-chat.json', bytes('openai-chat.json'));
    expect((r.probes[0] as TextProbe).messages?.[0]?.content).toContain('[OUTPUT TRUNCATED]');
  });

  it('takes the SWE answer from the final patch and the search answer from the last reply', async () => {
    expect((await importProbes('openhands.json', bytes('openhands.json'))).probes[0]?.answer).toBe(
      'Fixed the comparison.',
    );
    expect((await importProbes('swe-agent-1x.traj', bytes('swe-agent-1x.traj'))).probes[0]?.answer).toMatch(
      /^diff --git a\/src\/calc\/limits.py/,
    );
    expect(parseTrajectory(text('react.txt'), 'react.txt').answer).toBe('1,800 to 7,000 ft');
  });

  it('rejects an unknown format, listing the supported ones and what it saw', async () => {
    const error = await importProbes('unknown.json', bytes('unknown.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_FORMAT_UNKNOWN');
    expect((error as AccLensError).message).toMatch(/swe-agent, mini-swe-agent, openhands, openai-chat, react/);
    expect((error as AccLensError).message).toMatch(/keys \[steps, meta\]/);
  });
});
