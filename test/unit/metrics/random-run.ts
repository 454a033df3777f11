import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunWriter } from '../../../analysis/io/index.ts';
import { createRng } from '../../../analysis/stats/rng.ts';

/**
 * A seeded run with every attention table and every query set, sized so that the statistics take
 * their random paths: 24 probes in 2 families (12 each: sign-flip and swap p-values are sampled, not
 * exact), 2 layers × 2 heads, 100 prompt + 4 answer tokens. Segments: instruction [0,10), evidence
 * [10,30), distractor [40,70), question [95,100), answer [100,104).
 */
export async function writeRandomRun(seed = 7): Promise<string> {
  const rng = createRng(seed);
  const dir = join(mkdtempSync(join(tmpdir(), 'acc-lens-random-run-')), 'run');
  const ids = Array.from({ length: 24 }, (_, i) => `p${i}`);
  const sha = (c: string) => c.repeat(64);
  const w = await RunWriter.open(dir, {
    models: {
      base: { path: 'b', sha256: sha('a'), form: 'fused', execution_provider: 'cpu' },
      tuned: { path: 't', sha256: sha('b'), form: 'fused', execution_provider: 'cpu' },
    },
    tokenizer: { id: 't', sha256: sha('c') },
    probe_set: { path: 'p', sha256: sha('d'), n_probes: ids.length },
    plan: {},
  });
  const kinds: [string, number, number][] = [
    ['instruction', 0, 10],
    ['evidence', 10, 30],
    ['distractor', 40, 70],
    ['question', 95, 100],
    ['answer', 100, 104],
  ];
  const segs = ids.flatMap((id) => kinds.map(([kind, s, e], k) => ({ id, k, kind, s, e })));
  await w.writeProbeSet(
    {
      probe_id: ids,
      family: ids.map((_, i) => (i % 2 === 0 ? 'fa' : 'fb')),
      n_tokens: ids.map(() => 100),
      source: ids.map(() => 'unit'),
      answer: ids.map(() => 'a'),
      answer_n_tokens: ids.map(() => 4),
      flags: ids.map(() => ''),
    },
    {
      probe_id: segs.map((s) => s.id),
      segment_index: segs.map((s) => s.k),
      kind: segs.map((s) => s.kind),
      label: segs.map(() => null),
      turn: segs.map(() => null),
      token_start: segs.map((s) => s.s),
      token_end: segs.map((s) => s.e),
      char_start: segs.map(() => null),
      char_end: segs.map(() => null),
    },
  );
  const cells = [0, 1].flatMap((layer) => [0, 1].map((head) => ({ layer, head })));
  const sets = ['answer', 'last', 'question', 'all'];
  for (const id of ids) {
    for (const model of ['base', 'tuned'] as const) {
      const lean = model === 'tuned' ? 0.3 : 0;
      const segRows = cells.flatMap(({ layer, head }) =>
        [-1, 3, 4].flatMap((q) => {
          const raw = [-1, 0, 1, 2, 3, 4].map((k) => rng.next() + (k === 1 ? lean : 0));
          const total = raw.reduce((a, b) => a + b, 0);
          return raw.map((m, k) => ({ layer, head, q, k: k - 1, m: m / total, n: q === -1 ? 55 : q === 3 ? 5 : 4 }));
        }),
      );
      const distRows = cells.flatMap(({ layer, head }) =>
        sets.flatMap((qs) => {
          const raw = Array.from({ length: 32 }, () => rng.next() ** 3);
          const total = raw.reduce((a, b) => a + b, 0);
          return raw.map((m, bin) => ({ layer, head, qs, bin, m: m / total }));
        }),
      );
      const rowRows = cells.flatMap(({ layer, head }) =>
        (['answer', 'last', 'question'] as const).flatMap((qs) => {
          const queries = qs === 'answer' ? [100, 101] : qs === 'last' ? [99] : [96, 98];
          return queries.flatMap((q) =>
            [0, 12, 20, 50, q - 1].map((key, r) => ({
              layer,
              head,
              qs,
              q,
              key,
              wt: (0.4 + lean * rng.next()) / (r + 2),
            })),
          );
        }),
      );
      await w.writeUnit(model, id, {
        attention_segments: {
          layer: segRows.map((r) => r.layer),
          head: segRows.map((r) => r.head),
          query_segment: segRows.map((r) => r.q),
          key_segment: segRows.map((r) => r.k),
          mass: segRows.map((r) => r.m),
          n_queries: segRows.map((r) => r.n),
        },
        attention_distance: {
          layer: distRows.map((r) => r.layer),
          head: distRows.map((r) => r.head),
          query_set: distRows.map((r) => r.qs),
          bin: distRows.map((r) => r.bin),
          bin_lo: distRows.map(() => 0),
          bin_hi: distRows.map(() => 1),
          mass: distRows.map((r) => r.m),
          n_queries: distRows.map(() => 1),
        },
        attention_rows: {
          layer: rowRows.map((r) => r.layer),
          head: rowRows.map((r) => r.head),
          query_set: rowRows.map((r) => r.qs),
          query_pos: rowRows.map((r) => r.q),
          key_pos: rowRows.map((r) => r.key),
          weight: rowRows.map((r) => r.wt),
          row_mass_kept: rowRows.map(() => 1),
        },
        answer_logprobs: {
          answer_index: [0, 1, 2, 3],
          position: [100, 101, 102, 103],
          token_id: [1, 1, 1, 1],
          logprob: [0, 1, 2, 3].map(() => -rng.next() * (model === 'tuned' ? 1 : 2)),
        },
      });
    }
  }
  await w.close();
  return dir;
}
