import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distanceBinEdges, META, TABLES } from '../../../analysis/schema/index.ts';

const doc = readFileSync(new URL('../../../docs/run-store.md', import.meta.url), 'utf8');

describe('docs/run-store.md', () => {
  it("documents every column of every table in that table's section", () => {
    for (const [name, spec] of Object.entries(TABLES)) {
      const start = doc.indexOf(`### \`${name}\``);
      expect(start, name).toBeGreaterThan(0);
      const section = doc.slice(start, doc.indexOf('\n### ', start + 1) >>> 0);
      for (const column of spec.columns) expect(section, `${name}.${column.name}`).toContain(`| \`${column.name}\` |`);
    }
  });

  it('lists every metadata key and all 32 distance bins with the edges distanceBinEdges() computes', () => {
    for (const key of Object.values(META)) expect(doc).toContain(`\`${key}\``);
    const edges = distanceBinEdges();
    for (let bin = 0; bin < 32; bin += 1) expect(doc).toContain(`| ${bin} | ${edges[bin]} | ${edges[bin + 1]} |`);
  });
});
