/** A trajectory reduced to what compilation needs, whatever tool produced it. */
export interface TrajectoryStep {
  thought: string;
  /** Tool or command name ("search", "open", "bash", "sql_query", "Search"). */
  tool: string;
  /** The call's arguments as text (a command line, a JSON string, a bracket argument). */
  args: string;
  observation: string;
}

export interface Trajectory {
  /** The importer that read it ("swe-agent", "mini-swe-agent", "openhands", "openai-chat", "react", "synthetic"). */
  format: string;
  question: string;
  /** How the question is introduced in the compiled probe: "Question" (default), "Claim" for FEVER. */
  question_label?: string;
  /** The agent's final answer ('' when it gave none). */
  answer: string;
  steps: TrajectoryStep[];
  /** The final diff, for SWE trajectories that have one. */
  patch: string | null;
  /** Messages / events / text turns in the source, for reporting. */
  n_turns: number;
  /** Facts of the source kept in the probe's metadata (instance id, gold answer, reward, exit status…). */
  extra?: Record<string, unknown>;
}

export const ACC_FAMILIES = ['acc_search', 'acc_swe', 'acc_sql'] as const;
export type AccFamily = (typeof ACC_FAMILIES)[number];

const WEB_TOOLS = /^(?:browse|browse_interactive|visit|fetch|open_url|open_page|web_search|search|lookup)$/i;

/**
 * Family from the trajectory's content when the user gives none: a patch → SWE, SQL tools → SQL,
 * web tools → search; otherwise the coding agents' formats → SWE, the rest search.
 */
export function inferFamily(t: Trajectory): AccFamily {
  if (t.patch !== null && t.patch !== '') return 'acc_swe';
  if (t.steps.some((s) => /sql|query_db|execute_query/i.test(s.tool) || /^\s*select\s/i.test(s.args))) return 'acc_sql';
  if (t.steps.some((s) => WEB_TOOLS.test(s.tool))) return 'acc_search';
  if (t.format === 'swe-agent' || t.format === 'mini-swe-agent' || t.format === 'openhands') return 'acc_swe';
  return 'acc_search';
}
