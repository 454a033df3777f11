import type { Trajectory, TrajectoryStep } from '../trajectory.ts';

type Json = Record<string, unknown>;
const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.map((p) => (typeof p === 'object' && p !== null ? String((p as Json).text ?? '') : String(p))).join('')
      : v === undefined || v === null
        ? ''
        : JSON.stringify(v);

/** OpenAI-style chat: assistant `tool_calls` answered by `tool` messages with the same `tool_call_id`. */
export function fromOpenAiChat(messages: Json[]): Trajectory {
  const outputs = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool') outputs.set(str(m.tool_call_id), str(m.content));
  const steps: TrajectoryStep[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) continue;
    for (const call of m.tool_calls as Json[]) {
      const fn = (call.function ?? {}) as Json;
      steps.push({
        thought: str(m.content),
        tool: str(fn.name),
        args: str(fn.arguments),
        observation: outputs.get(str(call.id)) ?? '',
      });
    }
  }
  const question = str(messages.find((m) => m.role === 'user')?.content);
  const last = [...messages].reverse().find((m) => m.role === 'assistant' && !Array.isArray(m.tool_calls));
  return { format: 'openai-chat', question, answer: str(last?.content), steps, patch: null, n_turns: messages.length };
}

/**
 * SWE-agent .traj: `history` messages. 1.x answers actions with `tool` messages; legacy 0.x with
 * `user` messages after the first task message. Demonstrations (`is_demo`) are skipped.
 */
export function fromSweAgent(traj: Json): Trajectory {
  const history = (traj.history as Json[]).filter((m) => m.is_demo !== true);
  const firstUser = history.findIndex((m) => m.role === 'user');
  const steps: TrajectoryStep[] = [];
  history.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const next = history[i + 1];
    const observed =
      next !== undefined && (next.role === 'tool' || (next.role === 'user' && i + 1 > firstUser))
        ? str(next.content)
        : '';
    const action = str(
      m.action ??
        (Array.isArray(m.tool_calls) ? ((m.tool_calls as Json[])[0]?.function as Json | undefined)?.arguments : ''),
    ).trim();
    const [tool = '', ...rest] = action.split(/\s+/);
    steps.push({ thought: str(m.thought ?? m.content), tool, args: rest.join(' '), observation: observed });
  });
  const info = (traj.info ?? {}) as Json;
  const patch = typeof info.submission === 'string' ? info.submission : null;
  return {
    format: 'swe-agent',
    question: str(history[firstUser]?.content),
    answer: '',
    steps,
    patch,
    n_turns: history.length,
  };
}

/** mini-swe-agent: `{role, content}` messages; actions are fenced bash blocks, observations user messages with <output>. */
export function fromMiniSweAgent(messages: Json[], info: Json = {}): Trajectory {
  const steps: TrajectoryStep[] = [];
  const firstUser = messages.findIndex((m) => m.role === 'user');
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const command =
      str(m.content)
        .match(/```(?:bash|sh)?\n([\s\S]*?)```/)?.[1]
        ?.trim() ?? '';
    const next = messages[i + 1];
    const out = next?.role === 'user' ? str(next.content) : '';
    const observation = out.match(/<output>\n?([\s\S]*?)<\/output>/)?.[1] ?? out;
    steps.push({ thought: str(m.content).split('```')[0]?.trim() ?? '', tool: 'bash', args: command, observation });
  });
  const submitted = typeof info.submission === 'string' ? info.submission : (steps.at(-1)?.observation ?? '');
  return {
    format: 'mini-swe-agent',
    question: str(messages[firstUser]?.content),
    answer: '',
    steps,
    patch: submitted.includes('diff --git') ? submitted : null,
    n_turns: messages.length,
  };
}

/** OpenHands events: an observation's `cause` is the id of the action it answers. */
export function fromOpenHands(events: Json[], extra: Json = {}): Trajectory {
  const byCause = new Map<unknown, Json>();
  for (const e of events) if (e.observation !== undefined && e.cause !== undefined) byCause.set(e.cause, e);
  const steps: TrajectoryStep[] = [];
  let question = '';
  let answer = '';
  for (const e of events) {
    if (e.action === undefined) continue;
    const args = (e.args ?? {}) as Json;
    if (e.source === 'user' && e.action === 'message' && question === '') question = str(args.content ?? e.message);
    else if (e.action === 'finish') answer = str(args.final_thought ?? args.outputs ?? e.message);
    else if (e.source === 'agent' && e.action !== 'message' && e.action !== 'system') {
      const obs = byCause.get(e.id);
      const argText = str(args.command ?? args.path ?? args.url ?? args.code ?? JSON.stringify(args));
      steps.push({ thought: str(args.thought), tool: str(e.action), args: argText, observation: str(obs?.content) });
    }
  }
  const result = (extra.test_result ?? {}) as Json;
  const patch = typeof result.git_patch === 'string' ? result.git_patch : null;
  return { format: 'openhands', question, answer, steps, patch, n_turns: events.length };
}
