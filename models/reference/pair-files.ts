import { createHash } from 'node:crypto';
import { buildQwen3MoeGraph, type FloatType, type GraphForm } from '../qwen3-moe/build-graph.ts';
import { TOOL_VERSION } from '../../analysis/version.ts';
import { buildReferencePair, REFERENCE_SEED } from './build-pair.ts';
import type { TokenizerVocab } from './family-tokens.ts';
import { groundTruth } from './ground-truth.ts';
import { REFERENCE_CONFIG } from './layout.ts';

export const PAIR_MODELS = ['base', 'tuned'] as const;
/**
 * Revision of the planted construction, written into build-info.json: a pair built by an earlier
 * construction (same tool version) is rebuilt rather than reused. 2: copy circuit + functional experts;
 * 3: the ground truth's head facts use mean ablation (weights as in 2); 4: the GraphWalks circuit.
 */
export const PAIR_REVISION = 4;
export const PAIR_FORMS: readonly GraphForm[] = ['unfused', 'fused'];
export type PairModel = (typeof PAIR_MODELS)[number];

/** File name of one model of the pair in one graph form, e.g. `tuned.fused.onnx`. */
export const modelFileName = (model: PairModel, form: GraphForm): string => `${model}.${form}.onnx`;

export interface PairFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Every file of the reference pair, one at a time and deterministic (no timestamps): four ONNX
 * graphs, config.json, the tokenizer, ground-truth.json, and last build-info.json (sha256 of the others).
 * With `dtype: 'float16'` the graphs are float16 (weights, activations, KV cache, logits) from the same weights.
 */
export function* referencePairFiles(
  tokenizer: { json: string; config: string },
  options: { dtype?: FloatType } = {},
): Generator<PairFile> {
  const dtype = options.dtype ?? 'float32';
  const pair = buildReferencePair(JSON.parse(tokenizer.json) as TokenizerVocab);
  const text = (s: string) => new TextEncoder().encode(s);
  const json = (v: unknown) => text(`${JSON.stringify(v, null, 2)}\n`);
  const hashes: Record<string, { bytes: number; sha256: string }> = {};
  const file = (name: string, bytes: Uint8Array): PairFile => {
    hashes[name] = { bytes: bytes.length, sha256: sha256(bytes) };
    return { name, bytes };
  };
  for (const model of PAIR_MODELS) {
    for (const form of PAIR_FORMS)
      yield file(modelFileName(model, form), buildQwen3MoeGraph(pair[model], { form, dtype }));
  }
  yield file('config.json', json({ architectures: ['Qwen3MoeForCausalLM'], ...REFERENCE_CONFIG, torch_dtype: dtype }));
  yield file('tokenizer.json', text(tokenizer.json));
  yield file('tokenizer_config.json', text(tokenizer.config));
  yield file('ground-truth.json', json(groundTruth(pair)));
  const info = {
    tool_version: TOOL_VERSION,
    seed: REFERENCE_SEED,
    revision: PAIR_REVISION,
    ...(dtype === 'float32' ? {} : { dtype }),
    files: hashes,
  };
  yield { name: 'build-info.json', bytes: json(info) };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
