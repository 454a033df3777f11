import { basename, join, resolve } from 'node:path';
import { fail } from '../../errors.ts';
import { discoverModel } from '../../onnx/discover/index.ts';
import { instrumentModel, planInstrumentation, writeModel, type Instrumentation } from '../../onnx/instrument/index.ts';
import { readModel } from '../../onnx/read-model.ts';
import { KV_NAMINGS } from '../../capture/session-kv-names.ts';
import { parseFlags, type Command } from '../command.ts';

const USAGE = 'Usage: acc-lens instrument MODEL.onnx [--out FILE] [--json]';
const HELP = `${USAGE}

Finds each layer's attention and router in an ONNX decoder (unfused MatMul→Softmax, ONNX Attention,
com.microsoft GroupQueryAttention / MultiHeadAttention / Attention, MatMul→Softmax→TopK routers,
com.microsoft MoE / QMoE), prints what it found and what will be captured, and writes an instrumented
copy that exposes acc_lens.attn_probs.{L}, acc_lens.router_logits.{L}, acc_lens.topk_ids.{L} and
acc_lens.topk_weights.{L} as extra outputs. Original outputs are unchanged.

  --out FILE   where to write the copy (default: <model>.instrumented.onnx in the current folder, not
               next to the model, which may sit in a read-only download cache; external data is
               hard-linked next to the copy, or copied where linking fails)
  --json       print the discovery as JSON instead of a table

See docs/instrumentation.md.`;

export const instrumentCommand: Command = {
  name: 'instrument',
  summary:
    "Find each layer's attention and router in an ONNX decoder, report their form, and write an instrumented copy.",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags('instrument', argv, {
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [modelPath, ...extra] = positionals;
    if (modelPath === undefined || extra.length > 0)
      fail('E_USAGE', `acc-lens instrument takes one MODEL.onnx (got ${positionals.length})`, USAGE);
    if (values.out !== undefined && resolve(values.out) === resolve(modelPath))
      fail(
        'E_USAGE',
        `--out ${values.out} is the model itself; instrumenting would overwrite it`,
        'Pass another --out FILE, or leave it out (the copy goes to <model>.instrumented.onnx).',
      );
    const loaded = readModel(modelPath);
    const plan = planInstrumentation(discoverModel(loaded.model));
    if (plan.tensors.length === 0) {
      const why = plan.uncapturable.map((u) => `  ${u.node} (${u.op || u.what}): ${u.reason}`).join('\n');
      fail(
        'E_ONNX_CONTRACT',
        `${modelPath}: nothing can be captured — no attention or router found${why ? `:\n${why}` : ' (no Softmax, Attention, GroupQueryAttention, MultiHeadAttention, MoE or TopK nodes)'}`,
        'Export the model with attention unfused (MatMul → Softmax) or with ONNX Attention / GroupQueryAttention; see docs/instrumentation.md.',
      );
    }
    const out = values.out ?? join(process.cwd(), `${basename(loaded.path).replace(/\.onnx$/, '')}.instrumented.onnx`);
    const written = writeModel(loaded, instrumentModel(loaded.model, plan), out);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ model: loaded.path, out: written, ...summary(plan) }, null, 2)}\n`
        : `${table(plan)}\nwrote ${written}\n`,
    );
    return 0;
  },
};

function summary(plan: Instrumentation) {
  const { discovery } = plan;
  return {
    family: discovery.family,
    kvCacheInputs: discovery.kvCacheInputs,
    attention: discovery.attention,
    routers: discovery.routers,
    tensors: plan.tensors,
    uncapturable: plan.uncapturable,
  };
}

/** One row per layer: attention form and heads, router form, experts, top-k, captured tensors. */
function table(plan: Instrumentation): string {
  const { attention, routers } = plan.discovery;
  const layers = [...new Set([...attention.map((a) => a.layer), ...routers.map((r) => r.layer)])].sort((a, b) => a - b);
  const rows = layers.map((L) => {
    const a = attention.find((s) => s.layer === L);
    const r = routers.find((s) => s.layer === L);
    const captured = plan.tensors
      .filter((t) => t.layer === L)
      .map((t) => t.kind)
      .join(', ');
    return [
      String(L),
      a ? a.form + (a.rotary ? '+rope' : '') : '-',
      a ? `${a.queryHeads ?? '?'}/${a.kvHeads ?? '?'}` : '-',
      r?.form ?? '-',
      r ? String(r.experts ?? '?') : '-',
      r ? String(r.topK ?? '?') : '-',
      captured || 'nothing',
    ];
  });
  const header = ['layer', 'attention', 'q/kv heads', 'router', 'experts', 'top-k', 'captured'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const notes = plan.uncapturable.map((u) => `not captured: ${u.node} (${u.op || u.what}) — ${u.reason}`);
  return [line(header), ...rows.map(line), ...notes, ...kvNotes(plan)].join('\n');
}

/** What `acc-lens capture` will do about the KV cache, consistent with docs/model-contract.md. */
function kvNotes(plan: Instrumentation): string[] {
  const { attention, kvCacheInputs } = plan.discovery;
  if (kvCacheInputs.length > 0) {
    const readable = kvCacheInputs.some((n) => KV_NAMINGS.some((k) => k.pastPattern.test(n)));
    return readable
      ? []
      : [
          `note: KV-cache inputs ${kvCacheInputs.slice(0, 2).join(', ')}… are not in a naming acc-lens capture reads (past_key_values.N.key/value); capture will refuse this model`,
        ];
  }
  if (attention.length === 0) return [];
  const heads = Math.max(1, ...attention.map((a) => (typeof a.queryHeads === 'number' ? a.queryHeads : 0)));
  const gibAt8k = (heads * 8192 ** 2 * 4) / 2 ** 30;
  return [
    `note: no KV-cache inputs — acc-lens capture runs each probe in one pass (chunk = T), so attention needs heads × T² × 4 B per layer (${heads} heads: ${gibAt8k.toFixed(1)} GiB at 8k tokens) and probes over the memory budget are refused; export with past_key_values.N.key/value inputs and present.N.key/value outputs to capture in chunks`,
  ];
}
