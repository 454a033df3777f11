import { z } from 'zod';
import type { Trajectory, TrajectoryStep } from '../trajectory.ts';
import { ContentSchema, ToolCallSchema, text, validate } from './common.ts';

const MessageSchema = z.looseObject({
  role: z.string(),
  content: ContentSchema,
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
});

/** OpenAI-style chat: a message list, or `{messages: [...]}` (one conversation per JSONL line too). */
const ListSchema = z.array(MessageSchema);
const DocSchema = z.looseObject({ messages: z.array(MessageSchema) });

/** OpenAI-style chat: assistant `tool_calls` answered by `tool` messages with the same `tool_call_id`. */
export function fromOpenAiChat(value: unknown, where: string): Trajectory {
  const doc = Array.isArray(value)
    ? validate(ListSchema, value, where, 'openai-chat')
    : validate(DocSchema, value, where, 'openai-chat');
  const messages = Array.isArray(doc) ? doc : doc.messages;
  const outputs = new Map<string, string>();
  for (const m of messages)
    if (m.role === 'tool' && typeof m.tool_call_id === 'string') outputs.set(m.tool_call_id, text(m.content));
  const steps: TrajectoryStep[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) continue;
    for (const call of m.tool_calls) {
      const args = call.function.arguments;
      steps.push({
        thought: text(m.content),
        tool: call.function.name,
        args: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
        observation: typeof call.id === 'string' ? (outputs.get(call.id) ?? '') : '',
      });
    }
  }
  const question = text(messages.find((m) => m.role === 'user')?.content);
  const last = [...messages].reverse().find((m) => m.role === 'assistant' && (m.tool_calls ?? []).length === 0);
  return { format: 'openai-chat', question, answer: text(last?.content), steps, patch: null, n_turns: messages.length };
}
