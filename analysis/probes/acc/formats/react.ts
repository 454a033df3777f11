import type { Trajectory, TrajectoryStep } from '../trajectory.ts';

// ReAct logs (the paper's hotpotqa / FEVER runs print one episode after another):
//   "3687 Claim: …" or "Question: …" opens an episode (index optional), then "Thought i:",
//   "Action i: Search[x] | Lookup[x] | Finish[answer]", "Observation i:" lines; after Finish the
//   environment answers "Episode finished, reward = R", then a Python dict with the gold answer,
//   a running-score line and "-----------".
const EPISODE = /^(?:(\d+)\s+)?(Question|Claim):[ \t]*(.*)$/;
const STEP = /^(Thought|Action|Observation)(?:[ \t]+\d+)?:[ \t]?(.*)$/;
const INFO = /^\{.*'(?:gt_answer|answer|reward|em)'.*\}\s*$/;
const STATS = /^\d+ \d+ [\d.]+ [\d.e+-]+\s*$/;
const SEPARATOR = /^-{3,}\s*$/;
const BAD_CALL = /^ohh\.\.\./;
const CALL = /^(\w+)\[([\s\S]*)\]$/;

/** What the compiled FEVER probe asks after the claim (our wording; ReAct's prompt says the same). */
export const FEVER_TASK = 'Does the evidence SUPPORT or REFUTE the claim, or is there NOT ENOUGH INFO?';

interface Episode {
  label: 'Question' | 'Claim';
  index: number | null;
  question: string;
  steps: TrajectoryStep[];
  thought: string;
  answer: string;
  finished: boolean;
  turns: number;
  extra: Record<string, unknown>;
}

const INFO_KEYS = new Set(['gt_answer', 'question_idx', 'em', 'reward', 'f1']);

/** The gold answer and scores from the episode's info dict (Python repr: quoted strings, numbers, True/False/None). */
function infoFields(line: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of line.matchAll(/'(\w+)':\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-\d.e+]+|True|False|None)/g)) {
    const [, key, raw = ''] = m;
    if (!INFO_KEYS.has(key as string)) continue;
    out[key as string] = /^['"]/.test(raw)
      ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
      : raw === 'True' || raw === 'False'
        ? raw === 'True'
        : raw === 'None'
          ? null
          : Number(raw);
  }
  return out;
}

function toTrajectory(e: Episode, n: number): Trajectory {
  const gold = e.extra.gt_answer;
  return {
    format: 'react',
    question: e.label === 'Claim' ? `${e.question}\n${FEVER_TASK}` : e.question,
    question_label: e.label,
    answer: e.answer,
    steps: e.steps,
    patch: null,
    n_turns: e.turns,
    extra: {
      episode: n,
      ...(e.index !== null ? { question_idx: e.index } : {}),
      ...e.extra,
      ...(typeof gold === 'string' ? { answer_matches_gold: gold.trim() === e.answer.trim() } : {}),
    },
  };
}

/**
 * ReAct text → one trajectory per episode. The observation the environment gives after `Finish`
 * ("Episode finished, reward = 1") is recorded as the reward, never as search content, so the last
 * search result before Finish stays evidence. Multi-line bodies are kept (continuation lines).
 */
export function fromReact(text: string): Trajectory[] {
  const episodes: Episode[] = [];
  let open: { append(s: string): void } | null = null;
  const current = (): Episode | undefined => episodes.at(-1);
  for (const line of text.split(/\r?\n/)) {
    const ep = EPISODE.exec(line);
    const step = STEP.exec(line);
    if (ep !== null) {
      const e: Episode = {
        label: ep[2] as 'Question' | 'Claim',
        index: ep[1] === undefined ? null : Number(ep[1]),
        question: ep[3] as string,
        steps: [],
        thought: '',
        answer: '',
        finished: false,
        turns: 0,
        extra: {},
      };
      episodes.push(e);
      open = { append: (s) => (e.question += `\n${s}`) };
    } else if (step !== null && current() !== undefined) {
      const e = current() as Episode;
      const [, kind, body = ''] = step;
      e.turns++;
      if (kind === 'Thought') {
        e.thought = body;
        open = { append: (s) => (e.thought += `\n${s}`) };
      } else if (kind === 'Action') {
        const call = CALL.exec(body.trim());
        const tool = call === null ? body.trim() : `${call[1]!.charAt(0).toUpperCase()}${call[1]!.slice(1)}`;
        if (tool === 'Finish') {
          e.answer = call?.[2] ?? '';
          e.finished = true;
          open = null;
        } else {
          const s: TrajectoryStep = { thought: e.thought, tool, args: call?.[2] ?? '', observation: '' };
          e.steps.push(s);
          open = null;
        }
      } else if (e.finished) {
        const reward = /reward\s*=\s*([-\d.]+)/.exec(body)?.[1];
        if (reward !== undefined) e.extra.reward = Number(reward);
        open = null;
      } else {
        const s = e.steps.at(-1);
        if (s !== undefined) {
          s.observation = body;
          open = { append: (x) => (s.observation += `\n${x}`) };
        }
      }
    } else if (INFO.test(line) && current() !== undefined) {
      Object.assign((current() as Episode).extra, infoFields(line));
      open = null;
    } else if (STATS.test(line) || SEPARATOR.test(line) || BAD_CALL.test(line)) {
      open = null;
    } else if (open !== null) open.append(line);
  }
  for (const e of episodes) {
    e.question = e.question.trim();
    for (const s of e.steps) s.observation = s.observation.trim();
  }
  return episodes.map((e, i) => toTrajectory(e, i + 1));
}

/** Whether text looks like a ReAct log: an episode line and a numbered or plain Action line. */
export function looksLikeReact(text: string): boolean {
  return /^(?:\d+\s+)?(?:Question|Claim):/m.test(text) && /^Action(?: \d+)?:/m.test(text);
}
