import { z } from 'zod';
import type { Trajectory, TrajectoryStep } from '../trajectory.ts';
import { ContentSchema, diffIn, isObj, taskOf, text, validate, type Json } from './common.ts';

const EventSchema = z.looseObject({
  id: z.number().nullish(),
  source: z.string().nullish(),
  action: z.string().nullish(),
  observation: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  content: ContentSchema,
  message: z.string().nullish(),
  cause: z.number().nullish(),
});
type Event = z.infer<typeof EventSchema>;

/** OpenHands history: a flat event list, or (eval output before 2025) `[action, observation]` pairs. */
const FlatSchema = z.array(EventSchema);
const PairsSchema = z.array(z.tuple([EventSchema, EventSchema]));
const isPairs = (h: unknown): boolean => Array.isArray(h) && Array.isArray(h[0]);

/** An evaluation `output.jsonl` row (or `{history: …}`); the history is checked by its own shape. */
const RowSchema = z.looseObject({
  history: z.array(z.unknown()).nullish(),
  instance_id: z.union([z.string(), z.number()]).nullish(),
  instruction: z.string().nullish(),
  test_result: z.looseObject({ git_patch: z.string().nullish() }).nullish(),
  git_patch: z.string().nullish(),
  error: z.string().nullish(),
  instance: z.looseObject({ problem_statement: z.string().nullish() }).nullish(),
});

// Actions that call no tool (their observations, if any, are bookkeeping).
const NOT_TOOLS = new Set([
  'message',
  'system',
  'finish',
  'reject',
  'think',
  'recall',
  'change_agent_state',
  'condensation',
  'null',
]);
// What AgentFinishAction.message always says; it is not an answer.
const FINISH_BOILERPLATE = "All done! What's next on the agenda?";

function argText(e: Event): string {
  const a: Json = e.args ?? {};
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  if (e.action === 'edit') return `${s(a.command) || 'edit'} ${s(a.path)}`.trim();
  return s(a.command) || s(a.path) || s(a.url) || s(a.code) || JSON.stringify(a);
}

/** The finish action's answer: `final_thought`, else a non-empty `outputs` (its `content`/`answer`), else ''. */
function finishAnswer(e: Event): string {
  const a: Json = e.args ?? {};
  if (typeof a.final_thought === 'string' && a.final_thought.trim() !== '') return a.final_thought;
  const outputs = a.outputs;
  if (isObj(outputs) && Object.keys(outputs).length > 0) {
    const v = outputs.content ?? outputs.answer ?? outputs.solution;
    return typeof v === 'string' ? v : JSON.stringify(outputs);
  }
  const message = text(e.message);
  return message === FINISH_BOILERPLATE ? '' : message;
}

/**
 * OpenHands: an observation's `cause` is the id of the action it answers (in pair histories, the
 * pair's second event). The answer is the finish action's (see finishAnswer), else the agent's last
 * message; the patch is `test_result.git_patch` of an evaluation row.
 */
export function fromOpenHands(value: unknown, where: string): Trajectory {
  const row = Array.isArray(value) ? null : validate(RowSchema, value, where, 'openhands');
  const raw = row === null ? value : (row.history ?? []);
  const history: (Event | [Event, Event])[] = isPairs(raw)
    ? validate(PairsSchema, raw, row === null ? where : `${where}: history`, 'openhands')
    : validate(FlatSchema, raw, row === null ? where : `${where}: history`, 'openhands');
  const pairs: [Event, Event | undefined][] = [];
  const byCause = new Map<number, Event>();
  for (const h of history) {
    if (Array.isArray(h)) pairs.push([h[0], h[1]]);
    else if (typeof h.observation === 'string' && typeof h.cause === 'number') byCause.set(h.cause, h);
    else if (typeof h.action === 'string') pairs.push([h, undefined]);
  }
  const steps: TrajectoryStep[] = [];
  let question = '';
  let answer = '';
  let lastMessage = '';
  for (const [e, paired] of pairs) {
    const a: Json = e.args ?? {};
    const content = typeof a.content === 'string' ? a.content : text(e.message);
    if (e.action === 'message' && e.source === 'user' && question === '') question = content;
    else if (e.action === 'message' && e.source === 'agent') lastMessage = content;
    else if (e.action === 'finish') answer = finishAnswer(e);
    else if (e.source === 'agent' && typeof e.action === 'string' && !NOT_TOOLS.has(e.action)) {
      const obs = paired ?? (typeof e.id === 'number' ? byCause.get(e.id) : undefined);
      steps.push({
        thought: typeof a.thought === 'string' ? a.thought : '',
        tool: e.action,
        args: argText(e),
        observation: text(obs?.content),
      });
    }
  }
  const patch = diffIn(row?.test_result?.git_patch) ?? diffIn(row?.git_patch);
  const task = taskOf(question || (row?.instruction ?? '') || (row?.instance?.problem_statement ?? ''));
  return {
    format: 'openhands',
    question: task.question,
    answer: answer || lastMessage,
    steps,
    patch,
    n_turns: history.length,
    extra: {
      question_from: task.from,
      ...(row?.instance_id !== undefined && row.instance_id !== null ? { instance_id: row.instance_id } : {}),
      ...(typeof row?.error === 'string' ? { run_error: row.error } : {}),
    },
  };
}
