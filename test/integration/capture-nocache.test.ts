import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeLine } from '../pretokenized-probe.ts';
import { estimatePlan } from '../../analysis/capture/estimate.ts';
import { instrumentForCapture } from '../../analysis/capture/instrument.ts';
import { parsePlan } from '../../analysis/capture/plan.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { openModel } from '../../analysis/capture/session.ts';
import { AccLensError } from '../../analysis/errors.ts';
import { openRun, readTable } from '../../analysis/io/run-reader.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from '../unit/onnx/tiny-model.ts';
import { renameOutputs, withoutKvCache } from './kv-graph-variants.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-capture-nocache-'));
// TINY with the Qwen3 vocabulary, so the default tokenizer fits its embedding.
const WIDE = { ...TINY, vocab_size: 151_936, hidden_size: 32, tie_word_embeddings: true };
const cached = buildQwen3MoeGraph(randomWeights(WIDE, 11), { form: 'unfused' });
const paths = {
  cached: tempFile('cached.onnx', cached),
  nocache: tempFile('nocache.onnx', withoutKvCache(cached)),
  variant: tempFile(
    'variant.onnx',
    renameOutputs(cached, (n) => n.replace(/^present\.(\d+)\.(key|value)$/, 'present_key_values.$1.$2')),
  ),
};
// Chunks of 16 make the cached runs several chunks long; the no-cache run is one pass whatever the plan says.
const plan = { chunk_size: 16, router_probs: true, distance: { query_sets: ['answer', 'last', 'question', 'all'] } };
const FLOAT_COLUMNS = new Set(['mass', 'weight', 'row_mass_kept', 'gate', 'prob', 'logprob']);
const TABLES = [
  'attention_segments',
  'attention_distance',
  'attention_rows',
  'routing',
  'router_probs',
  'answer_logprobs',
] as const;

const probes = join(dir, 'probes.jsonl');
writeFileSync(
  probes,
  `${[40, 77, 120]
    .map((n, i) =>
      probeLine(
        `p${i}`,
        Array.from({ length: n }, (_, t) => 1000 + ((t * 37 + i * 11) % 3000)),
        { evidence: [3, 12], question: [n - 14, n - 5], answer: [n - 5, n] },
      ),
    )
    .join('\n')}\n`,
);

const runs: Partial<Record<keyof typeof paths, string>> = {};
beforeAll(async () => {
  for (const name of ['cached', 'nocache', 'variant'] as const) {
    const out = join(dir, `run-${name}`);
    await runCapture({ models: [{ name: 'm', path: paths[name] }], probes, out, plan, ep: 'cpu' });
    runs[name] = out;
  }
}, 60_000);

/** Every column of a table as plain numbers (bigint ids as numbers, strings as-is). */
function columns(t: Table): Map<string, unknown[]> {
  return new Map(
    t.schema.fields.map((f) => [
      f.name,
      Array.from(t.getChild(f.name)!.toArray() as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v)),
    ]),
  );
}

async function expectSameTables(a: string, b: string): Promise<void> {
  const [ra, rb] = [await openRun(a), await openRun(b)];
  for (const name of TABLES) {
    const [ca, cb] = [columns(await readTable(ra, name)), columns(await readTable(rb, name))];
    expect([...cb.keys()], name).toEqual([...ca.keys()]);
    for (const [col, va] of ca) {
      const vb = cb.get(col)!;
      expect(vb.length, `${name}.${col}`).toBe(va.length);
      expect(va.length, `${name}.${col}`).toBeGreaterThan(0);
      if (FLOAT_COLUMNS.has(col)) {
        const diff = Math.max(...va.map((x, i) => Math.abs((x as number) - (vb[i] as number))));
        expect(diff, `${name}.${col}`).toBeLessThan(1e-5);
      } else {
        expect(vb, `${name}.${col}`).toEqual(va);
      }
    }
  }
}

describe('capture of a decoder without KV-cache inputs (no-cache mode)', () => {
  it('openModel accepts it: contract.cache is false and prefill runs the prompt as one chunk', async () => {
    const m = await openModel(paths.nocache, { ep: 'cpu' });
    expect([m.contract.cache, m.contract.kvNaming, m.contract.layers]).toEqual([false, null, TINY.num_hidden_layers]);
    const chunks: number[] = [];
    await m.prefill([5, 6, 7, 8, 9], { chunkSize: 2, onChunk: (c) => void chunks.push(c.length) });
    expect(chunks).toEqual([5]);
    await m.close();
  });

  it('instrumentForCapture takes the layer count from the attention sites and marks the shape cache: false', () => {
    const m = instrumentForCapture(paths.nocache, parsePlan(plan));
    expect([m.shape.cache, m.shape.layers]).toEqual([false, TINY.num_hidden_layers]);
    m.dispose();
  });

  it("runCapture gives the cached graph's tables within 1e-5 (segments, distance, rows, routing, router probs, answer log-probs)", async () => {
    await expectSameTables(runs.cached!, runs.nocache!);
  });

  it('a probe over the budget is skipped with its reason (no KV cache: one pass); when none fits, E_CONTEXT_TOO_LONG before running', async () => {
    const shape = instrumentForCapture(paths.nocache, parsePlan(plan));
    const size = (id: string, n: number) => ({ id, n_tokens: n, segments: 3, rowQueries: 15 });
    const oneChunk = estimatePlan(parsePlan(plan), [shape.shape], [size('p2', 120)]).peakBytes;
    const chunked = estimatePlan(parsePlan(plan), [{ ...shape.shape, cache: true }], [size('p2', 120)]).peakBytes;
    const smallest = estimatePlan(parsePlan(plan), [shape.shape], [size('p0', 40)]).peakBytes;
    shape.dispose();
    expect(oneChunk).toBeGreaterThan(chunked);
    const budget = Math.floor((oneChunk + chunked) / 2);
    const out = join(dir, 'over-budget');
    const s = await runCapture({
      models: [{ name: 'm', path: paths.nocache }],
      probes,
      out,
      plan: { ...plan, memory_budget_bytes: budget },
      ep: 'cpu',
    });
    expect(s.units).toMatchObject({ done: 2, skipped: 1 });
    expect(s.manifest.units['m/p2']).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /estimated peak .* at 120 tokens \(no KV cache: one pass\), over the memory budget/,
      ),
    });
    const refused = join(dir, 'refused');
    const e = await runCapture({
      models: [{ name: 'm', path: paths.nocache }],
      probes,
      out: refused,
      plan: { ...plan, memory_budget_bytes: smallest - 1 },
      ep: 'cpu',
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AccLensError);
    expect((e as AccLensError).code).toBe('E_CONTEXT_TOO_LONG');
    expect((e as AccLensError).message).toMatch(
      /has no KV-cache inputs, so the whole prompt runs in one pass and needs ≈ \d+\.\d GB at 120 tokens/,
    );
    expect(existsSync(refused)).toBe(false);
    // The same budget fits the cached export of that model: it runs in chunks.
    await expect(
      runCapture({
        models: [{ name: 'm', path: paths.cached }],
        probes,
        out: join(dir, 'fits'),
        plan: { ...plan, memory_budget_bytes: budget },
        ep: 'cpu',
      }),
    ).resolves.toMatchObject({ units: { done: 3, skipped: 0 } });
  });
});

describe('capture of a cache named present_key_values.{L}.key/value', () => {
  it('openModel reads the naming and feeds the presents back', async () => {
    const m = await openModel(paths.variant, { ep: 'cpu' });
    expect([m.contract.cache, m.contract.kvNaming?.id, m.contract.layers]).toEqual([
      true,
      'present_key_values',
      TINY.num_hidden_layers,
    ]);
    await m.close();
  });

  it("runCapture gives the standard naming's tables within 1e-5", async () => {
    await expectSameTables(runs.cached!, runs.variant!);
  });
});
