import { z } from 'zod';
import type { Trajectory, TrajectoryStep } from '../trajectory.ts';
import { ContentSchema, ToolCallSchema, callArgs, diffIn, taskOf, text, validate } from './common.ts';

const MessageSchema = z.looseObject({
  role: z.string(),
  content: ContentSchema,
  thought: z.string().nullish(),
  action: z.string().nullish(),
  is_demo: z.boolean().nullish(),
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_call_ids: z.array(z.string()).nullish(),
});
const StepSchema = z.looseObject({ action: z.string().nullish(), observation: z.string().nullish() });

/** SWE-agent `.traj` (1.x and 0.x): `history` messages, `trajectory` steps, optional `info`. */
export const SweAgentSchema = z.looseObject({
  history: z.array(MessageSchema),
  trajectory: z.array(StepSchema).nullish(),
  info: z.looseObject({ submission: z.string().nullish(), exit_status: z.string().nullish() }).nullish(),
});
type Message = z.infer<typeof MessageSchema>;

// SWE-agent appends its prompt state to every observation; it is the agent's UI, not file content.
const STATE_TRAILER = /\n?\(Open file: [^\n]*\)\n\(Current directory: [^\n]*\)\n?bash-\$\s*$/;
export const stripSweTrailer = (s: string): string => s.replace(STATE_TRAILER, '');

function actionOf(m: Message): string {
  if (typeof m.action === 'string' && m.action.trim() !== '') return m.action.trim();
  const call = m.tool_calls?.[0];
  if (call === undefined) return '';
  const args = callArgs(call);
  // Function-calling SWE-agent: `bash {command}`, `str_replace_editor {command, path}`, `submit {}`.
  const rest =
    args === null ? '' : typeof args.command === 'string' && call.function.name === 'bash' ? args.command : '';
  return `${call.function.name === 'bash' ? '' : call.function.name} ${rest || Object.values(args ?? {}).join(' ')}`.trim();
}

/**
 * SWE-agent `.traj`. 1.x answers actions with `tool` messages; legacy 0.x with `user` messages after
 * the first task message. Demonstrations (`is_demo`) are skipped. The patch is `info.submission`;
 * without `info` (a run that never wrote it) it is the diff the `submit` observation printed.
 */
export function fromSweAgent(value: unknown, where: string): Trajectory {
  const traj = validate(SweAgentSchema, value, where, 'swe-agent');
  const history = traj.history.filter((m) => m.is_demo !== true);
  const firstUser = history.findIndex((m) => m.role === 'user');
  const steps: TrajectoryStep[] = [];
  history.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const next = history[i + 1];
    const observed =
      next !== undefined && (next.role === 'tool' || (next.role === 'user' && i + 1 > firstUser))
        ? stripSweTrailer(text(next.content))
        : '';
    const [tool = '', ...rest] = actionOf(m).split(/\s+/);
    steps.push({ thought: m.thought ?? text(m.content), tool, args: rest.join(' '), observation: observed });
  });
  const fromInfo = diffIn(traj.info?.submission);
  const fromSubmit = [
    ...steps,
    ...(traj.trajectory ?? []).map((s) => ({ tool: s.action?.trim(), observation: s.observation })),
  ]
    .filter((s) => s.tool === 'submit')
    .map((s) => diffIn(stripSweTrailer(s.observation ?? '')))
    .find((d) => d !== null);
  const patch = fromInfo ?? fromSubmit ?? null;
  const task = taskOf(text(history[firstUser]?.content));
  return {
    format: 'swe-agent',
    question: task.question,
    answer: '',
    steps,
    patch,
    n_turns: history.length,
    extra: {
      question_from: task.from,
      exit_status: traj.info?.exit_status ?? null,
      patch_from: fromInfo !== null ? 'info.submission' : patch !== null ? 'submit observation' : null,
    },
  };
}
