import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
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

describe('format detection', () => {
  const cases: [string, string][] = [
    ['swe-agent-1x.traj', 'swe-agent'],
    ['swe-agent-legacy.traj', 'swe-agent'],
    ['mini-swe-agent.traj.json', 'mini-swe-agent'],
    ['mini-swe-agent-v2.traj.json', 'mini-swe-agent'],
    ['mini-swe-agent-v2-toolcalls.traj.json', 'mini-swe-agent'],
    ['openhands.json', 'openhands'],
    ['openhands-output.jsonl', 'openhands'],
    ['openai-chat.json', 'openai-chat'],
    ['react.txt', 'react'],
    ['react-fever.log', 'react'],
  ];
  it.each(cases)('%s is detected as %s, and importing leaves the file as it was', async (name, format) => {
    const before = text(name);
    const r = await importProbes(join(dir, name), bytes(name));
    expect(r.format).toBe(format);
    expect(text(name)).toBe(before);
  });

  it('rejects an unknown format, listing the supported ones and what it saw', async () => {
    const error = await importProbes('unknown.json', bytes('unknown.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_FORMAT_UNKNOWN');
    expect((error as AccLensError).message).toMatch(/swe-agent, mini-swe-agent, openhands, openai-chat, react/);
    expect((error as AccLensError).message).toMatch(/keys \[steps, meta\]/);
  });
});
