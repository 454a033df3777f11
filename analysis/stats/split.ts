import { createRng } from './rng.ts';

/** Which probes choose (select) the most-changed layers/heads and which report them. */
export interface ProbeSplit {
  /** `half`: selection on one half of each family, reporting on the other; `none`: both on all probes (post hoc). */
  mode: 'half' | 'none';
  seed: number;
  select: Uint8Array;
  report: Uint8Array;
}

/**
 * Splits probes within each stratum (task family) into a selection half (the first ⌈n/2⌉ of a seeded
 * shuffle) and a report half (the rest), so a layer chosen on one half is measured on unseen probes.
 * @example selectionSplit([0, 0, 1, 1], 'half', 7).select // e.g. Uint8Array [1, 0, 0, 1]
 */
export function selectionSplit(strata: ArrayLike<number>, mode: 'half' | 'none', seed: number): ProbeSplit {
  const n = strata.length;
  const select = new Uint8Array(n);
  const report = new Uint8Array(n);
  if (mode === 'none') {
    select.fill(1);
    report.fill(1);
    return { mode, seed, select, report };
  }
  const rng = createRng(seed).fork('selection-split');
  const byStratum = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const members = byStratum.get(strata[i]!) ?? [];
    members.push(i);
    byStratum.set(strata[i]!, members);
  }
  for (const key of [...byStratum.keys()].sort((a, b) => a - b)) {
    const members = byStratum.get(key)!;
    for (let i = members.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    members.forEach((p, i) => {
      if (i < Math.ceil(members.length / 2)) select[p] = 1;
      else report[p] = 1;
    });
  }
  return { mode, seed, select, report };
}
