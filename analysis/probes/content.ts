import type { Segment, SegmentKind } from './schema.ts';

/**
 * Assembles one message's content and records segments as it goes, so char spans are exact by
 * construction. Example: `const c = content(1); c.add('Intro'); c.mark('evidence', 'doc 3', body);`.
 */
export interface ContentBuilder {
  readonly turn: number;
  readonly length: number;
  add(text: string): void;
  mark(kind: SegmentKind, label: string, text: string): void;
  text(): string;
  segments(): Segment[];
}

export function content(turn: number): ContentBuilder {
  const parts: string[] = [];
  const segments: Segment[] = [];
  let length = 0;
  const add = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  return {
    turn,
    get length() {
      return length;
    },
    add,
    mark(kind, label, text) {
      segments.push({ kind, label, turn, start: length, end: length + text.length });
      add(text);
    },
    text: () => parts.join(''),
    segments: () => segments.slice(),
  };
}
