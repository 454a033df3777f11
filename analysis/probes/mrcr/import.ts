import { z } from 'zod';
import { makeProbe } from '../generate.ts';
import { MessageSchema, type Segment, type TextProbe } from '../schema.ts';

/** One row of openai/mrcr (Parquet or JSONL). `prompt` is a JSON string holding the messages. */
export const MrcrRowSchema = z.object({
  prompt: z.string(),
  answer: z.string(),
  random_string_to_prepend: z.string(),
  n_needles: z.coerce.number().int(),
  desired_msg_index: z.coerce.number().int(),
  total_messages: z.coerce.number().int(),
  n_chars: z.coerce.number().int().optional(),
});
export type MrcrRow = z.infer<typeof MrcrRowSchema>;

const MessagesSchema = z.array(MessageSchema).min(2);

/**
 * Turns an official MRCR row into a probe: the assistant reply equal to the answer minus its
 * random string is the evidence, replies to the same request are distractors, the last user
 * message is the question. If no reply matches, the probe is kept with `evidence_found: false`.
 */
export function importMrcrRow(row: MrcrRow, id: string, source: string): TextProbe {
  const messages = MessagesSchema.parse(JSON.parse(row.prompt)).map((m) => ({
    role: m.role,
    content: m.content.normalize('NFC'),
  }));
  const answer = row.answer.normalize('NFC');
  const reply = answer.startsWith(row.random_string_to_prepend)
    ? answer.slice(row.random_string_to_prepend.length)
    : answer;
  const target = messages.findIndex((m) => m.role === 'assistant' && m.content === reply);
  const segments: Segment[] = [];
  const requestOf = (i: number): string | undefined =>
    i > 0 && messages[i - 1]?.role === 'user' ? messages[i - 1]?.content : undefined;
  const targetRequest = target >= 0 ? requestOf(target) : undefined;
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    if (i === target)
      segments.push({ kind: 'evidence', label: 'needle reply', turn: i, start: 0, end: m.content.length });
    else if (targetRequest !== undefined && requestOf(i) === targetRequest)
      segments.push({ kind: 'distractor', label: 'needle reply', turn: i, start: 0, end: m.content.length });
  });
  const last = messages.length - 1;
  const lastMessage = messages[last];
  if (lastMessage?.role === 'user')
    segments.push({ kind: 'question', label: 'final request', turn: last, start: 0, end: lastMessage.content.length });
  const pointsTo =
    target < 0
      ? 'unknown'
      : row.desired_msg_index === target
        ? 'reply'
        : row.desired_msg_index === target - 1
          ? 'request'
          : 'other';
  return makeProbe({
    id,
    family: 'mrcr',
    messages,
    segments,
    answer,
    source,
    metadata: {
      n_needles: row.n_needles,
      desired_msg_index: row.desired_msg_index,
      desired_msg_index_points_to: pointsTo,
      total_messages: row.total_messages,
      n_chars: row.n_chars ?? null,
      random_string_to_prepend: row.random_string_to_prepend,
      evidence_found: target >= 0,
      n_distractors: segments.filter((s) => s.kind === 'distractor').length,
    },
  });
}
