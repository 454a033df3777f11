import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeLine } from '../pretokenized-probe.ts';
import { instrumentForCapture } from '../../analysis/capture/instrument.ts';
import { parsePlan } from '../../analysis/capture/plan.ts';
import { runCapture } from '../../analysis/capture/run-capture.ts';
import { AccLensError } from '../../analysis/errors.ts';
import { nodeFs } from '../../analysis/io/atomic-write.ts';
import { GraphBuilder } from '../../analysis/onnx/graph-builder.ts';
import { defaultTokenizerDir } from '../../analysis/tokenize/load.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { randomWeights } from '../../models/qwen3-moe/random-weights.ts';
import { TINY, tempFile } from '../unit/onnx/tiny-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-capture-bad-'));
// Full Qwen3 vocabulary (so the default tokenizer fits) but only 128 positions.
const WIDE = { ...TINY, vocab_size: 151_936, hidden_size: 32, tie_word_embeddings: true };
const wide = (seed: number) =>
  tempFile(`wide-${seed}.onnx`, buildQwen3MoeGraph(randomWeights(WIDE, seed), { form: 'fused' }));

function probeFile(lengths: number[]): string {
  const path = join(dir, `probes-${lengths.join('-')}.jsonl`);
  const line = (n: number, i: number) =>
    probeLine(
      `p${i}`,
      Array.from({ length: n }, (_, t) => 1000 + ((t * 37 + i) % 3000)),
      { evidence: [2, 8], answer: [n - 3, n] },
    );
  writeFileSync(path, `${lengths.map(line).join('\n')}\n`);
  return path;
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<AccLensError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof AccLensError) return e;
    throw e;
  }
  throw new Error('expected an AccLensError');
}

/** A decoder-shaped graph whose only Softmax is neither attention nor a router. */
function noAttention(): string {
  const g = new GraphBuilder('no_attention');
  g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.input('attention_mask', 'int64', ['batch', 'total_sequence']);
  g.input('past_key_values.0.key', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.input('past_key_values.0.value', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.node('Identity', ['past_key_values.0.key'], { name: 'k', outputs: ['present.0.key'] });
  g.node('Identity', ['past_key_values.0.value'], { name: 'v', outputs: ['present.0.value'] });
  const x = g.op('Cast', ['input_ids'], { name: 'c', attrs: { to: { i: 1 } } });
  g.node('Softmax', [x], { name: 'mystery/Softmax', outputs: ['logits'], attrs: { axis: { i: -1 } } });
  g.output('logits', 'float32', ['batch', 'sequence']);
  g.output('present.0.key', 'float32', ['batch', 2, 'past_sequence', 16]);
  g.output('present.0.value', 'float32', ['batch', 2, 'past_sequence', 16]);
  return tempFile('no-attention.onnx', g.encode({ opsets: { '': 17 } }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('capture refuses bad input with coded errors', () => {
  it('a model without capturable attention → E_ONNX_CONTRACT naming the node; without a router likewise', async () => {
    const path = noAttention();
    const a = await codeOf(() => instrumentForCapture(path, parsePlan({})));
    expect(a.code).toBe('E_ONNX_CONTRACT');
    expect(a.message).toContain('mystery/Softmax');
    const r = await codeOf(() =>
      instrumentForCapture(path, parsePlan({ segments: false, distance: null, rows: null })),
    );
    expect(r.code).toBe('E_ONNX_CONTRACT');
    expect(r.message).toMatch(/no router found.*mystery\/Softmax/);
    expect(r.fix).toContain('"routing": false');
  });

  it('a tokenizer (given with --tokenizer) larger than the embedding → E_TOKENIZER before any run folder is written', async () => {
    const small = tempFile('tiny.onnx', buildQwen3MoeGraph(randomWeights(TINY, 1), { form: 'fused' }));
    const out = join(dir, 'vocab');
    const tokenizerDir = defaultTokenizerDir();
    const e = await codeOf(
      runCapture({ models: [{ name: 'm', path: small }], probes: probeFile([20]), out, ep: 'cpu', tokenizerDir }),
    );
    expect(e.code).toBe('E_TOKENIZER');
    expect(e.message).toMatch(/151\d{3} ids but .* embedding has 512 rows/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it("a probe longer than the model's positions is skipped with the reason in the manifest", async () => {
    const out = join(dir, 'long');
    const s = await runCapture({
      models: [{ name: 'm', path: wide(1) }],
      probes: probeFile([40, 200]),
      out,
      ep: 'cpu',
    });
    expect(s.units).toMatchObject({ done: 1, skipped: 1 });
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      units: Record<string, { status: string; reason?: string }>;
    };
    expect(m.units['m/p1']).toMatchObject({
      status: 'skipped',
      reason: "probe has 200 tokens, more than the model's 128 positions",
    });
    expect(m.units['m/p0']!.status).toBe('done');
  });

  it('a plan over the memory budget → E_CONFIG_INVALID suggesting a smaller chunk', async () => {
    const e = await codeOf(
      runCapture({
        models: [{ name: 'm', path: wide(1) }],
        probes: probeFile([100]),
        out: join(dir, 'budget'),
        ep: 'cpu',
        plan: { memory_budget_bytes: 100 * 2 ** 20 },
      }),
    );
    expect(e.code).toBe('E_CONFIG_INVALID');
    expect(e.message).toMatch(/over the budget/);
    expect(e.fix).toMatch(/shorter probes|--chunk-size/);
  });

  it('a failed write (ENOSPC) → E_WRITE_FAILED, and the rerun resumes and completes', async () => {
    const out = join(dir, 'enospc');
    const models = [
      { name: 'base', path: wide(1) },
      { name: 'tuned', path: wide(2) },
    ];
    const probes = probeFile([30, 40, 50]);
    const open = nodeFs.open;
    vi.spyOn(nodeFs, 'open').mockImplementation((path, flags) =>
      path.includes('/parts/tuned/')
        ? Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
        : open(path, flags),
    );
    const e = await codeOf(runCapture({ models, probes, out, ep: 'cpu' }));
    expect(e.code).toBe('E_WRITE_FAILED');
    vi.restoreAllMocks();
    const s = await runCapture({ models, probes, out, ep: 'cpu' });
    expect(s.units).toEqual({ done: 3, skipped: 0, resumed: 3, total: 6 });
  });
});
