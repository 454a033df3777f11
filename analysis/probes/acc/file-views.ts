import type { TrajectoryStep } from './trajectory.ts';

const FILE_VIEW = [
  /^(?:open|cat|view|less|more|head|tail|nl(?:\s+-\w+)*)\s+(?:-\S+\s+)*["']?([\w./-]+\.\w+)/,
  /^sed\s+-n\s+\S+\s+["']?([\w./-]+\.\w+)/,
  /^str_replace_editor\s+view\s+["']?([\w./-]+)/,
  /"path":\s*"([\w./-]+)"/,
];
// Observation headers that name the file shown: SWE-agent's window ("[File: /testbed/x.py (120 lines
// total)]") and the str_replace_editor / OpenHands view ("Here's the result of running `cat -n` on /x.py:").
const SHOWN_FILE = [
  /^\[File: ([^\s\]]+) \(\d+ lines total\)\]/,
  /^Here's the result of running `cat -n` on ([^\s:]+):/,
];

/** Stages of a shell command line: `cd /testbed && nl -ba f.py | sed -n '1,9p'` → ["nl -ba f.py", "sed …"]. */
function stages(command: string): string[] {
  return command
    .split(/&&|\|\||;|\||\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^cd\s/.test(s));
}

// Edits print the file after the change (SWE-agent's window, str_replace_editor's snippet): that is
// the solution, not what the agent was shown before solving, so edits are never views.
const EDIT_TOOLS = /^(?:edit|create|insert|append|str_replace|undo_edit|write|write_file|edit_file)$/;
const isEdit = (step: TrajectoryStep): boolean =>
  EDIT_TOOLS.test(step.tool) || (step.tool === 'str_replace_editor' && !/^view\b/.test(step.args.trim()));

/** The file a step shows, if it is a file view: named by its observation header, else by its command. */
export function viewedFile(step: TrajectoryStep): string | null {
  if (isEdit(step)) return null;
  const head = step.observation.trimStart();
  for (const re of SHOWN_FILE) {
    const m = re.exec(head);
    if (m?.[1] !== undefined) return normalizePath(m[1]);
  }
  if (/^(read|open_file|view_file)$/i.test(step.tool))
    return normalizePath(step.args.match(/[\w./-]+\.\w+/)?.[0] ?? '');
  const shell = step.tool === 'bash' || step.tool === 'run' || step.tool === 'execute_bash';
  for (const stage of shell ? stages(step.args) : [`${step.tool} ${step.args}`.trim()]) {
    for (const re of FILE_VIEW) {
      const m = stage.match(re);
      if (m?.[1] !== undefined) return normalizePath(m[1]);
    }
  }
  return null;
}

/** A repository-relative path: sandbox roots (/testbed, /workspace/<repo>, /repo, /<org>__<repo>) and ./ dropped. */
export function normalizePath(p: string): string | null {
  const s = p.replace(
    /^(?:\/(?:repo|testbed)\/|\/workspace\/(?:[\w.-]+__[\w.-]+\/)?|\/[\w.-]+__[\w.-]+\/|\.\/|\/)/,
    '',
  );
  return s === '' ? null : s;
}

/** Paths a unified diff touches. */
export function patchedFiles(patch: string): Set<string> {
  const files = new Set<string>();
  for (const m of patch.matchAll(/^diff --git a\/(\S+) b\/(\S+)/gm)) files.add(m[2] as string);
  for (const m of patch.matchAll(/^\+\+\+ b\/(\S+)/gm)) files.add(m[1] as string);
  return files;
}

// Numbered lines of a view: SWE-agent windows "123:code", `cat -n` / `nl` "   123\tcode".
const NUMBERED = /^(?:(\d+):|\s*(\d+)\t)(.*)$/;

function numberedLines(view: string): Map<number, string> | null {
  const lines = new Map<number, string>();
  let numbered = 0;
  const all = view.split(/\r?\n/);
  for (const l of all) {
    const m = NUMBERED.exec(l);
    if (m === null) continue;
    lines.set(Number(m[1] ?? m[2]), l);
    numbered++;
  }
  return numbered >= Math.max(1, all.length / 2) ? lines : null;
}

/**
 * Two views of one file (`a` seen first) as one piece: windows with line numbers are merged line by
 * line (every line either showed is kept, in file order, as first seen); otherwise the longer view.
 */
export function mergeViews(a: string, b: string): string {
  const la = numberedLines(a);
  const lb = numberedLines(b);
  if (la === null || lb === null) return b.length > a.length ? b : a;
  const merged = new Map([...lb, ...la]);
  return [...merged.keys()]
    .sort((x, y) => x - y)
    .map((k) => merged.get(k) as string)
    .join('\n');
}
