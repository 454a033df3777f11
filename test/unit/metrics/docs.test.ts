import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS_TABLES } from '../../../analysis/schema/index.ts';

const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');

describe('docs/metrics.md', () => {
  it("documents every column of every metrics table in that table's section", () => {
    for (const [name, spec] of Object.entries(METRICS_TABLES)) {
      const start = doc.indexOf(`### \`${name}\``);
      expect(start, name).toBeGreaterThan(0);
      const section = doc.slice(start, doc.indexOf('\n### ', start + 1) >>> 0);
      for (const column of spec.columns) expect(section, `${name}.${column.name}`).toContain(`| \`${column.name}\` |`);
    }
  });
  it('is linked from docs/run-store.md', () => {
    expect(readFileSync(new URL('../../../docs/run-store.md', import.meta.url), 'utf8')).toContain('(metrics.md)');
  });
});
