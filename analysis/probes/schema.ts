import { z } from 'zod';
import { TASK_FAMILIES } from './families.ts';

/** Schema version written into every probe line; readers refuse other versions. */
export const PROBE_SCHEMA = 'acc-lens.probe/1';

export const SEGMENT_KINDS = [
  'instruction',
  'question',
  'evidence',
  'distractor',
  'tool_response',
  'answer',
  'other',
] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export const MessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
});
export type Message = z.infer<typeof MessageSchema>;

/** A segment of one message: `start`/`end` are UTF-16 offsets into `messages[turn].content`, end exclusive. */
export const SegmentSchema = z
  .object({
    kind: z.enum(SEGMENT_KINDS),
    label: z.string(),
    turn: z.number().int().min(0),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
  })
  .refine((s) => s.start <= s.end, { message: 'segment start must be <= end' });
export type Segment = z.infer<typeof SegmentSchema>;

/** A segment of a pre-tokenized probe: token offsets into `input_ids`, end exclusive. */
export const TokenSegmentSchema = z
  .object({
    kind: z.enum(SEGMENT_KINDS),
    label: z.string(),
    turn: z.number().int().min(0),
    token_start: z.number().int().min(0),
    token_end: z.number().int().min(0),
  })
  .refine((s) => s.token_start <= s.token_end, { message: 'token_start must be <= token_end' });
export type TokenSegmentSpec = z.infer<typeof TokenSegmentSchema>;

const common = {
  schema: z.literal(PROBE_SCHEMA),
  id: z.string().min(1),
  family: z.enum(TASK_FAMILIES),
  answer: z.string(),
  source: z.string(),
  metadata: z.record(z.string(), z.unknown()),
};

/**
 * A probe as text: chat `messages` (rendered with the model's chat template) or raw `text`
 * (tokenized as is, one turn). The answer is the teacher-forced target appended after the prompt.
 */
export const TextProbeSchema = z
  .object({
    ...common,
    messages: z.array(MessageSchema).min(1).optional(),
    text: z.string().optional(),
    segments: z.array(SegmentSchema),
  })
  .refine((p) => (p.messages === undefined) !== (p.text === undefined), { message: 'exactly one of messages or text' });
export type TextProbe = z.infer<typeof TextProbeSchema>;

/** A probe tokenized elsewhere: ids plus token-span segments; one segment of kind `answer` marks the target. */
export const PretokenizedProbeSchema = z.object({
  ...common,
  input_ids: z.array(z.number().int().min(0)).min(1),
  segments: z.array(TokenSegmentSchema),
});
export type PretokenizedProbe = z.infer<typeof PretokenizedProbeSchema>;

export const ProbeSchema = z.union([PretokenizedProbeSchema, TextProbeSchema]);
export type Probe = z.infer<typeof ProbeSchema>;

export function isPretokenized(p: Probe): p is PretokenizedProbe {
  return 'input_ids' in p && Array.isArray(p.input_ids);
}

/** The turns of a text probe as messages (raw `text` becomes one user turn for span bookkeeping). */
export function probeTurns(p: TextProbe): Message[] {
  return p.messages ?? [{ role: 'user', content: p.text ?? '' }];
}
