import { AccLensError } from '../errors.ts';
import type { Trajectory } from './acc/trajectory.ts';
import { isPretokenized, type Probe, type Segment } from './schema.ts';

const nfc = (s: string): string => s.normalize('NFC');

/** Every text of a trajectory in Unicode NFC (tokenizers normalize to NFC and would shift char spans). */
export function nfcTrajectory(t: Trajectory): Trajectory {
  return {
    ...t,
    question: nfc(t.question),
    answer: nfc(t.answer),
    patch: t.patch === null ? null : nfc(t.patch),
    steps: t.steps.map((s) => ({
      thought: nfc(s.thought),
      tool: nfc(s.tool),
      args: nfc(s.args),
      observation: nfc(s.observation),
    })),
  };
}

/**
 * A text probe in NFC with its char spans moved along: each message is normalized piece by piece
 * between segment boundaries. A boundary inside a character that NFC composes (a base letter and
 * its combining mark split by a segment) cannot be kept and is E_CONFIG_INVALID naming the segment.
 */
export function nfcProbe(p: Probe): Probe {
  if (isPretokenized(p)) return p;
  const turns = p.messages ?? [{ role: 'user' as const, content: p.text ?? '' }];
  if (turns.every((m) => m.content.normalize('NFC') === m.content) && nfc(p.answer) === p.answer) return p;
  const segments: Segment[] = p.segments.map((s) => ({ ...s }));
  const contents = turns.map((m, turn) => {
    const mine = segments.filter((s) => s.turn === turn);
    const cuts = [...new Set([0, m.content.length, ...mine.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
    const moved = new Map<number, number>();
    let out = '';
    cuts.forEach((cut, k) => {
      moved.set(cut, out.length);
      const next = cuts[k + 1];
      if (next !== undefined) out += nfc(m.content.slice(cut, next));
    });
    if (out !== nfc(m.content)) {
      const splits = (c: number): boolean => nfc(m.content.slice(0, c)) + nfc(m.content.slice(c)) !== nfc(m.content);
      const s = mine.find((x) => splits(x.start) || splits(x.end));
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `probe ${p.id}: segment ${s?.label ?? '?'} (${s?.kind ?? '?'}) of turn ${turn} starts or ends inside a character that NFC composes`,
        'Move the segment boundary off the combining mark, or bring the text in NFC.',
      );
    }
    for (const s of mine) {
      s.start = moved.get(s.start) as number;
      s.end = moved.get(s.end) as number;
    }
    return out;
  });
  const answer = nfc(p.answer);
  if (p.messages !== undefined)
    return { ...p, answer, segments, messages: p.messages.map((m, i) => ({ ...m, content: contents[i] as string })) };
  return { ...p, answer, segments, text: contents[0] as string };
}
