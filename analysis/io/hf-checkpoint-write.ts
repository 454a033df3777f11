import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32ToBfloat16Bits, float32ToFloat16Bits, littleEndianBytes } from '../onnx/tensor-proto.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import {
  lazyArray,
  mapTensors,
  type LazyModelWeights,
  type LazyTensor,
  type ModelWeights,
} from '../../models/weights.ts';
import { INDEX_FILE } from './hf-checkpoint.ts';
import { writeSafetensors, type SafetensorsTensorSpec } from './safetensors-write.ts';

export interface WriteCheckpointOptions {
  dtype: 'F32' | 'F16' | 'BF16';
  /** Number of shards (with model.safetensors.index.json when > 1); default 1 (model.safetensors). */
  shards?: number;
  /** Experts packed per layer (mlp.experts.gate_up_proj / down_proj, as transformers 5 may save) instead of one module each. */
  packedExperts?: boolean;
  /** Folder whose tokenizer.json / tokenizer_config.json are copied beside the weights. */
  tokenizerDir?: string;
  /** Extra config.json fields (or overrides), e.g. to write another architecture's config. */
  configExtra?: Record<string, unknown>;
}

const PIECE = 4 * 2 ** 20;

function encoder(dtype: WriteCheckpointOptions['dtype']): (a: Float32Array) => Uint8Array {
  if (dtype === 'F32') return (a) => littleEndianBytes(a);
  if (dtype === 'BF16') return (a) => littleEndianBytes(float32ToBfloat16Bits(a));
  return (a) => littleEndianBytes(float32ToFloat16Bits(a));
}

/** One tensor's bytes in ≤ 16 MB pieces, from one or more lazy parts laid end to end. */
function spec(
  name: string,
  shape: number[],
  parts: LazyTensor[],
  enc: (a: Float32Array) => Uint8Array,
  dtype: string,
): SafetensorsTensorSpec {
  return {
    name,
    dtype,
    shape,
    *data() {
      for (const t of parts)
        for (let s = 0; s < t.length; s += PIECE) yield enc(t.read(s, Math.min(PIECE, t.length - s)));
    },
  };
}

/**
 * Writes weights as a Hugging Face checkpoint folder (config.json with architectures Qwen3MoeForCausalLM,
 * safetensors shards with HF tensor names, an index when sharded), streaming tensor by tensor — for tests,
 * benchmarks and checkpoints made on the fly. Example: `writeHfCheckpoint('ck', weights, { dtype: 'BF16', shards: 3 })`.
 */
export function writeHfCheckpoint(
  dir: string,
  weights: ModelWeights | LazyModelWeights,
  o: WriteCheckpointOptions,
): void {
  const w: LazyModelWeights =
    weights.embed instanceof Float32Array
      ? mapTensors(weights as ModelWeights, lazyArray)
      : (weights as LazyModelWeights);
  const c: Qwen3MoeConfig = w.config;
  const enc = encoder(o.dtype);
  const H = c.hidden_size,
    D = c.head_dim,
    E = c.num_experts,
    I = c.moe_intermediate_size;
  const t = (name: string, shape: number[], ...parts: LazyTensor[]) => spec(name, shape, parts, enc, o.dtype);
  const tensors: SafetensorsTensorSpec[] = [t('model.embed_tokens.weight', [c.vocab_size, H], w.embed)];
  w.layers.forEach((l, L) => {
    const p = `model.layers.${L}`;
    tensors.push(
      t(`${p}.input_layernorm.weight`, [H], l.inputNorm),
      t(`${p}.self_attn.q_proj.weight`, [c.num_attention_heads * D, H], l.qProj),
      t(`${p}.self_attn.k_proj.weight`, [c.num_key_value_heads * D, H], l.kProj),
      t(`${p}.self_attn.v_proj.weight`, [c.num_key_value_heads * D, H], l.vProj),
      t(`${p}.self_attn.o_proj.weight`, [H, c.num_attention_heads * D], l.oProj),
      t(`${p}.self_attn.q_norm.weight`, [D], l.qNorm),
      t(`${p}.self_attn.k_norm.weight`, [D], l.kNorm),
      t(`${p}.post_attention_layernorm.weight`, [H], l.postNorm),
      t(`${p}.mlp.gate.weight`, [E, H], l.router),
    );
    if (o.packedExperts) {
      tensors.push(
        t(`${p}.mlp.experts.gate_up_proj`, [E, 2 * I, H], ...l.experts.flatMap((e) => [e.gate, e.up])),
        t(`${p}.mlp.experts.down_proj`, [E, H, I], ...l.experts.map((e) => e.down)),
      );
    } else {
      l.experts.forEach((e, j) =>
        tensors.push(
          t(`${p}.mlp.experts.${j}.gate_proj.weight`, [I, H], e.gate),
          t(`${p}.mlp.experts.${j}.up_proj.weight`, [I, H], e.up),
          t(`${p}.mlp.experts.${j}.down_proj.weight`, [H, I], e.down),
        ),
      );
    }
  });
  tensors.push(t('model.norm.weight', [H], w.finalNorm));
  if (w.lmHead) tensors.push(t('lm_head.weight', [c.vocab_size, H], w.lmHead));
  mkdirSync(dir, { recursive: true });
  const torchDtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[o.dtype];
  const { model_type, ...rest } = c;
  const config = {
    architectures: ['Qwen3MoeForCausalLM'],
    model_type,
    ...rest,
    hidden_act: 'silu',
    torch_dtype: torchDtype,
    ...o.configExtra,
  };
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const n = Math.max(1, o.shards ?? 1);
  const bytes = (s: SafetensorsTensorSpec) => s.shape.reduce((p, d) => p * d, 1) * (o.dtype === 'F32' ? 4 : 2);
  const total = tensors.reduce((s, x) => s + bytes(x), 0);
  if (n === 1) writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  else {
    const groups: SafetensorsTensorSpec[][] = Array.from({ length: n }, () => []);
    let acc = 0;
    for (const x of tensors) {
      groups[Math.min(n - 1, Math.floor((acc * n) / total))]!.push(x);
      acc += bytes(x);
    }
    const weightMap: Record<string, string> = {};
    groups.forEach((g, i) => {
      const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
      writeSafetensors(join(dir, file), g, { format: 'pt' });
      for (const x of g) weightMap[x.name] = file;
    });
    writeFileSync(
      join(dir, INDEX_FILE),
      `${JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)}\n`,
    );
  }
  if (o.tokenizerDir)
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(o.tokenizerDir, f), join(dir, f));
}
