import type { Trajectory, TrajectoryStep } from '../trajectory.ts';

/** ReAct text: `Question:` then `Thought i:` / `Action i: Tool[arg]` / `Observation i:`; `Finish[answer]` ends it. */
export function fromReact(text: string): Trajectory {
  const question = text.match(/Question:\s*(.*)/)?.[1]?.trim() ?? '';
  const blocks = text.split(/\n(?=(?:Thought|Action|Observation)(?: \d+)?:)/);
  const steps: TrajectoryStep[] = [];
  let thought = '';
  let answer = '';
  let turns = 0;
  for (const block of blocks) {
    const m = block.match(/^(Thought|Action|Observation)(?: \d+)?:\s*([\s\S]*)$/);
    if (m === null) continue;
    turns++;
    const body = (m[2] as string).trim();
    if (m[1] === 'Thought') thought = body;
    else if (m[1] === 'Action') {
      const call = body.match(/^(\w+)\[([\s\S]*)\]$/);
      if (call?.[1] === 'Finish') answer = call[2] as string;
      else steps.push({ thought, tool: call?.[1] ?? body, args: call?.[2] ?? '', observation: '' });
    } else if (steps.length > 0) (steps[steps.length - 1] as TrajectoryStep).observation = body;
  }
  return { format: 'react', question, answer, steps, patch: null, n_turns: turns };
}
