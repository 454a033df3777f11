import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import picture of analysis/ and models/ (docs/architecture.md): every relative import, static,
 * dynamic or type-only, as an edge between files and between modules (analysis/<folder>, models/<folder>).
 */
const root = resolve(new URL('../../', import.meta.url).pathname);
const SKIP = /^(reference-pair.*|node_modules)$/;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIP.test(e.name) ? [] : sources(path);
    return /\.(ts|js)$/.test(e.name) ? [path] : [];
  });
}

const files = [...sources('analysis'), ...sources('models')];
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const edges = new Map<string, string[]>(
  files.map((f) => {
    const text = readFileSync(join(root, f), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(root, resolve(root, dirname(f), m[1] ?? m[2]!)));
    return [f, [...new Set(targets)].filter((t) => t.startsWith('analysis/') || t.startsWith('models/'))];
  }),
);

/** A module is a folder directly under analysis/ or models/; top-level files are their own. */
const moduleOf = (file: string): string => {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
};

/** Strongly connected components with more than one node (Tarjan): each is a cycle. */
function cycles(graph: Map<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The file-level edges that make up a module cycle, for the failure message. */
const why = (component: string[]) =>
  [...edges].flatMap(([f, ts]) =>
    ts
      .filter((t) => moduleOf(t) !== moduleOf(f) && component.includes(moduleOf(f)) && component.includes(moduleOf(t)))
      .map((t) => `${f} → ${t}`),
  );

describe('the import graph of analysis/ and models/', () => {
  it('reads every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.get('analysis/cli/main.ts')).toContain('analysis/cli/command.ts');
  });

  it('has no cycle between files (type-only imports included)', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('has no cycle between modules', () => {
    const modules = new Map<string, string[]>();
    for (const [f, ts] of edges) {
      const m = modules.get(moduleOf(f)) ?? [];
      for (const t of ts) if (moduleOf(t) !== moduleOf(f) && !m.includes(moduleOf(t))) m.push(moduleOf(t));
      modules.set(moduleOf(f), m);
    }
    expect(cycles(modules).map((c) => ({ modules: c, edges: why(c) }))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });
});

describe('the file-system boundary', () => {
  it('only analysis/io/ and the files docs/architecture.md lists import node:fs', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Who touches the file system'));
    const listed = new Set([...section.matchAll(/^\| `((?:analysis|models)\/[^`]+)` \|/gm)].map((m) => m[1]!));
    expect(listed.size).toBeGreaterThan(0);
    const fsUsers = files.filter((f) =>
      /from ['"](node:)?fs(\/promises)?['"]/.test(readFileSync(join(root, f), 'utf8')),
    );
    const outside = fsUsers.filter((f) => !f.startsWith('analysis/io/'));
    expect(outside.filter((f) => !listed.has(f))).toEqual([]);
    // A listed file that no longer touches files is removed from the list.
    expect([...listed].filter((f) => !outside.includes(f))).toEqual([]);
  });
});
