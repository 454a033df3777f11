import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSession } from '../../analysis/capture/session-ep.ts';
import { AccLensError } from '../../analysis/errors.ts';
import { openHfCheckpoint } from '../../analysis/io/hf-checkpoint.ts';
import { importedModelFile, readImportInfo } from '../../analysis/io/model-import.ts';
import { writeModelCopyBeside } from '../../analysis/io/onnx-external.ts';
import { onnx, readModel } from '../../analysis/onnx/read-model.ts';
import { float16BitsToFloat32 } from '../../analysis/onnx/tensor-proto.ts';
import type { Qwen3MoeConfig } from '../config.ts';
import type { GraphForm } from '../qwen3-moe/build-graph.ts';
import { maxAbsDiff, routingFlips, routingMargin, topKFromLogits } from '../hf/verify-compare.ts';
import { oraclePrefix, type PrefixResult } from '../hf/verify-oracle.ts';

export interface VerifyOptions {
  /** The checkpoint the oracle reads (default: the source recorded in import-info.json). */
  hfDir?: string;
  /** Layers the oracle computes (default: all when the checkpoint is ≤ 2 GB, else 2). */
  layers?: number;
  ep?: 'cpu' | 'cuda';
  /** The prompt's token ids (default: a fixed spread over the vocabulary). */
  tokens?: number[];
}

export interface FormCheck {
  form: GraphForm;
  /** Max |logit − oracle logit| (only when the oracle ran every layer). */
  logitDiff: number | null;
  /** Max |residual − oracle residual| after the oracle's last layer. */
  hiddenDiff: number | null;
  /** Per oracle layer: tokens whose top-k experts differ from the oracle's. */
  flips: { layer: number; tokens: number[]; margins: number[] }[];
}

export interface VerifyReport {
  dir: string;
  dtype: string;
  tokens: number;
  oracleLayers: number;
  forms: FormCheck[];
  /** Between the two written forms, every layer: tokens whose top-k sets differ. */
  formFlips: { layer: number; tokens: number[] }[] | null;
  formLogitDiff: number | null;
  tolerance: number;
  ok: boolean;
}

/** A fixed prompt: 16 ids spread over the vocabulary (deterministic, no tokenizer needed). */
export const fixedPrompt = (vocab: number): number[] =>
  Array.from({ length: 16 }, (_, i) => (i * 7919 + 151) % Math.min(vocab, 151_643));

const routerLogits = (form: GraphForm, L: number) =>
  `/model/layers.${L}/${form === 'fused' ? 'moe' : 'mlp'}/gate/MatMul_output_0`;
const residual = (L: number) => `/model/layers.${L}/Add_moe_residual_output_0`;

interface FormRun {
  logits: Float32Array;
  router: Float32Array[];
  hidden: Float32Array | null;
}

/** Runs one written form on the prompt, with router logits (and one residual) added as outputs of a temporary copy beside it. */
async function runForm(
  dir: string,
  form: GraphForm,
  c: Qwen3MoeConfig,
  ids: number[],
  hiddenLayer: number,
  ep: 'cpu' | 'cuda',
): Promise<FormRun> {
  const loaded = readModel(join(dir, importedModelFile(form)));
  const graph = loaded.model.graph!;
  const fp16 =
    graph.input?.find((i) => i.name === 'past_key_values.0.key')?.type?.tensorType?.elemType ===
    onnx.TensorProto.DataType.FLOAT16;
  const elemType = fp16 ? onnx.TensorProto.DataType.FLOAT16 : onnx.TensorProto.DataType.FLOAT;
  const produced = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  const extra = [
    ...Array.from({ length: c.num_hidden_layers }, (_, L) => routerLogits(form, L)),
    ...(hiddenLayer >= 0 ? [residual(hiddenLayer)] : []),
  ];
  const missing = extra.filter((n) => !produced.has(n));
  if (missing.length > 0)
    throw new AccLensError(
      'E_ONNX_CONTRACT',
      `${loaded.path}: no tensor ${missing[0]} — verify reads models written by acc-lens models import`,
    );
  for (const name of extra) graph.output!.push({ name, type: { tensorType: { elemType } } });
  const copy = writeModelCopyBeside(loaded.path, loaded.model, 'verify');
  try {
    const { session } = await createSession(copy, { ep });
    const T = ids.length,
      empty = fp16
        ? new ort.Tensor('float16', new Uint16Array(0), [1, c.num_key_value_heads, 0, c.head_dim])
        : new ort.Tensor('float32', new Float32Array(0), [1, c.num_key_value_heads, 0, c.head_dim]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (_, i) => BigInt(i)),
        [1, T],
      ),
    };
    for (let L = 0; L < c.num_hidden_layers; L++)
      for (const kv of ['key', 'value']) feeds[`past_key_values.${L}.${kv}`] = empty;
    const out = await session.run(feeds, ['logits', ...extra]);
    await session.release();
    const f32 = (name: string) => {
      const d = out[name]!.data;
      return fp16 ? float16BitsToFloat32(d as Uint16Array) : (d as Float32Array);
    };
    return {
      logits: f32('logits'),
      router: Array.from({ length: c.num_hidden_layers }, (_, L) => f32(routerLogits(form, L))),
      hidden: hiddenLayer >= 0 ? f32(residual(hiddenLayer)) : null,
    };
  } finally {
    rmSync(copy, { force: true });
  }
}

/**
 * Checks an imported folder: a short fixed prompt through every written form and through the TypeScript
 * oracle on the first layers of the source checkpoint. Reports max logit (or residual) difference and
 * routing agreement — tokens whose top-k experts flip, per layer, with the router's k-th/(k+1)-th margin.
 * `ok` is false on any flip or a logit difference over the tolerance (1e-3 float32, 5e-2 float16).
 */
export async function verifyImport(dir: string, o: VerifyOptions = {}): Promise<VerifyReport> {
  const info = readImportInfo(dir);
  if (info === null)
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `${dir} is not a finished import (no complete import-info.json)`,
      'Run `acc-lens models import HF_DIR --out DIR` first.',
    );
  const source = o.hfDir ?? info.source.dir;
  if (!existsSync(source))
    throw new AccLensError(
      'E_FILE_NOT_FOUND',
      `the source checkpoint ${source} (recorded in ${join(dir, 'import-info.json')}) is not there`,
      'Pass the checkpoint folder with --hf DIR: the oracle reads its weights.',
    );
  const ck = openHfCheckpoint(source);
  try {
    const c = ck.config;
    const ids = o.tokens ?? fixedPrompt(c.vocab_size);
    const layers = Math.min(o.layers ?? (info.source.bytes <= 2e9 ? c.num_hidden_layers : 2), c.num_hidden_layers);
    const oracle: PrefixResult = oraclePrefix(ck.weights, ids, layers);
    const T = ids.length,
      E = c.num_experts,
      k = c.num_experts_per_tok;
    const runs = new Map<GraphForm, FormRun>();
    for (const form of info.forms) runs.set(form, await runForm(dir, form, c, ids, layers - 1, o.ep ?? 'cpu'));
    const forms: FormCheck[] = [...runs].map(([form, r]) => ({
      form,
      logitDiff: oracle.logits ? maxAbsDiff(r.logits, oracle.logits) : null,
      hiddenDiff: r.hidden && layers > 0 ? maxAbsDiff(r.hidden, oracle.hidden[layers - 1]!) : null,
      flips: oracle.experts.map((want, L) => {
        const tokens = routingFlips(topKFromLogits(r.router[L]!, T, E, k), want, k);
        return { layer: L, tokens, margins: tokens.map((t) => routingMargin(oracle.probs[L]!, t, E, k)) };
      }),
    }));
    const [a, b] = [...runs.values()];
    const formFlips =
      a && b
        ? a.router.map((ra, L) => ({
            layer: L,
            tokens: routingFlips(topKFromLogits(ra, T, E, k), topKFromLogits(b.router[L]!, T, E, k), k),
          }))
        : null;
    const tolerance = info.dtype === 'float16' ? 5e-2 : 1e-3;
    const anyFlip =
      forms.some((f) => f.flips.some((x) => x.tokens.length > 0)) || (formFlips ?? []).some((x) => x.tokens.length > 0);
    const formLogitDiff = a && b ? maxAbsDiff(a.logits, b.logits) : null;
    const worst = Math.max(0, ...forms.map((f) => f.logitDiff ?? 0), formLogitDiff ?? 0);
    return {
      dir,
      dtype: info.dtype,
      tokens: T,
      oracleLayers: layers,
      forms,
      formFlips,
      formLogitDiff,
      tolerance,
      ok: !anyFlip && worst <= tolerance,
    };
  } finally {
    ck.close();
  }
}
