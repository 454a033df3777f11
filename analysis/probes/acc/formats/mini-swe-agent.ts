import { z } from 'zod';
import type { Trajectory, TrajectoryStep } from '../trajectory.ts';
import { ContentSchema, ToolCallSchema, callArgs, diffIn, taskOf, text, validate } from './common.ts';

const ExtraSchema = z
  .looseObject({
    actions: z.array(z.looseObject({ command: z.string(), tool_call_id: z.string().nullish() })).nullish(),
    submission: z.string().nullish(),
    exit_status: z.string().nullish(),
  })
  .nullish();
const MessageSchema = z.looseObject({
  role: z.string(),
  content: ContentSchema,
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
  extra: ExtraSchema,
});
const InfoSchema = z.looseObject({ submission: z.string().nullish(), exit_status: z.string().nullish() }).nullish();

/** mini-swe-agent `.traj.json`: `{info, messages, trajectory_format}` (or a bare message list). */
const ListSchema = z.array(MessageSchema);
const DocSchema = z.looseObject({
  messages: z.array(MessageSchema),
  info: InfoSchema,
  trajectory_format: z.string().nullish(),
});
type Message = z.infer<typeof MessageSchema>;

// Action blocks across versions: 1.x ```bash, 2.x text mode ```mswea_bash_command, XML configs
// <mswea_bash_command> (2.x) and <bash_code> (1.x); untagged ``` and ```sh from custom configs.
const FENCE = /```(?:mswea_bash_command|bash|sh|shell)?[ \t]*\n([\s\S]*?)\n?```/g;
const XML = /<(mswea_bash_command|bash_code)>([\s\S]*?)<\/\1>/g;

/** The commands an assistant message ran, in order, with the tool-call id that answers each. */
function actionsOf(m: Message): { command: string; id: string | null }[] {
  const recorded = m.extra?.actions;
  if (recorded !== null && recorded !== undefined && recorded.length > 0)
    return recorded.map((a) => ({ command: a.command.trim(), id: a.tool_call_id ?? null }));
  if (m.tool_calls !== null && m.tool_calls !== undefined && m.tool_calls.length > 0)
    return m.tool_calls.map((c) => ({ command: String(callArgs(c)?.command ?? '').trim(), id: c.id ?? null }));
  const content = text(m.content);
  const blocks = [...content.matchAll(FENCE)].map((x) => x[1] as string);
  const xml = [...content.matchAll(XML)].map((x) => x[2] as string);
  return [...blocks, ...xml].map((command) => ({ command: command.trim(), id: null }));
}

/** The command output inside mini-swe-agent's observation template (head and tail of long outputs). */
function outputOf(observation: string): string {
  const whole = /<output>\n?([\s\S]*?)<\/output>/.exec(observation)?.[1];
  if (whole !== undefined) return whole;
  const head = /<output_head>\n?([\s\S]*?)<\/output_head>/.exec(observation)?.[1];
  const tail = /<output_tail>\n?([\s\S]*?)<\/output_tail>/.exec(observation)?.[1];
  if (head !== undefined || tail !== undefined) {
    const elided = /<elided_chars>\s*([\s\S]*?)\s*<\/elided_chars>/.exec(observation)?.[1] ?? 'characters elided';
    return `${head ?? ''}\n[… ${elided.trim()} …]\n${tail ?? ''}`;
  }
  return observation;
}

/**
 * mini-swe-agent: the assistant's commands (recorded `extra.actions`, `bash` tool calls, or fenced
 * blocks in the text — see FENCE), each answered by the next `tool` message with its id or the next
 * `user` message; the patch is `info.submission`, else the `exit` message's submission, else a diff
 * printed by the last command.
 */
export function fromMiniSweAgent(value: unknown, where: string): Trajectory {
  const doc = Array.isArray(value)
    ? validate(ListSchema, value, where, 'mini-swe-agent')
    : validate(DocSchema, value, where, 'mini-swe-agent');
  const messages = Array.isArray(doc) ? doc : doc.messages;
  const info = Array.isArray(doc) ? null : doc.info;
  const firstUser = messages.findIndex((m) => m.role === 'user');
  const steps: TrajectoryStep[] = [];
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const replies: Message[] = [];
    for (let j = i + 1; j < messages.length && messages[j]?.role !== 'assistant'; j++)
      if (messages[j]?.role === 'tool' || messages[j]?.role === 'user') replies.push(messages[j] as Message);
    const thought = text(m.content).replace(FENCE, '').replace(XML, '').trim();
    actionsOf(m).forEach((a, k) => {
      const reply = (a.id !== null ? replies.find((r) => r.tool_call_id === a.id) : undefined) ?? replies[k];
      steps.push({ thought, tool: 'bash', args: a.command, observation: outputOf(text(reply?.content)) });
    });
  });
  const exit = [...messages].reverse().find((m) => m.role === 'exit');
  const submission = [info?.submission, exit?.extra?.submission, steps.at(-1)?.observation]
    .map((s) => (typeof s === 'string' && s.trim() !== '' ? s : null))
    .find((s) => s !== null);
  const task = taskOf(text(messages[firstUser]?.content));
  return {
    format: 'mini-swe-agent',
    question: task.question,
    answer: '',
    steps,
    patch: diffIn(submission),
    n_turns: messages.length,
    extra: {
      question_from: task.from,
      exit_status: info?.exit_status ?? exit?.extra?.exit_status ?? null,
      source_trajectory_format: Array.isArray(doc) ? null : (doc.trajectory_format ?? null),
    },
  };
}
