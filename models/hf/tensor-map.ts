import { AccLensError } from '../../analysis/errors.ts';
import type { Qwen3MoeConfig } from '../config.ts';
import type { ExpertTensors, LayerTensors, ModelTensors } from '../weights.ts';

/** Where one builder tensor lives in the checkpoint: elements [offset, offset + length) of a named tensor. */
export interface TensorSlice {
  tensor: string;
  offset: number;
  length: number;
}

/** What the mapper needs to know of the checkpoint: each tensor's shape and (for messages) its file. */
export interface CheckpointIndex {
  shape(name: string): readonly number[] | undefined;
  /** The shard holding `name`, or the checkpoint (index file or folder) when none does. */
  fileOf(name: string): string;
  names(): Iterable<string>;
}

// Buffers some exporters save that carry no weights.
const IGNORED = /\.rotary_emb\.inv_freq$/;

const product = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/**
 * Maps the builder's tensors onto Hugging Face names (`model.layers.{L}.self_attn.q_proj.weight`,
 * `…mlp.gate.weight`, `…mlp.experts.{E}.gate_proj.weight`, …), checking every shape. Experts may be
 * stored one module per expert (transformers 4 and the Hub releases) or packed per layer
 * (`mlp.experts.gate_up_proj` [E, 2I, H] with gate rows first, `mlp.experts.down_proj` [E, H, I], as
 * transformers 5 can save them). Tied models read `model.embed_tokens.weight` for the head (an
 * `lm_head.weight` there is ignored, as transformers does). Refuses tensors it does not know, since
 * they mean an architecture the graphs would not compute (e.g. attention biases).
 */
export function hfTensorSlices(
  c: Qwen3MoeConfig,
  idx: CheckpointIndex,
): { slices: ModelTensors<TensorSlice>; ignored: string[] } {
  const used = new Set<string>();
  const H = c.hidden_size,
    D = c.head_dim,
    E = c.num_experts,
    I = c.moe_intermediate_size;
  const whole = (name: string, shape: number[]): TensorSlice => {
    const got = idx.shape(name);
    if (got === undefined)
      throw new AccLensError(
        'E_CHECKPOINT_INVALID',
        `tensor ${name} is missing from the checkpoint (no shard holds it)`,
      );
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i]))
      throw new AccLensError(
        'E_CHECKPOINT_INVALID',
        `${idx.fileOf(name)}: tensor ${name} has shape [${got.join(', ')}], config.json implies [${shape.join(', ')}]`,
        'Check that config.json belongs to these weights (hidden_size, heads, head_dim, experts, moe_intermediate_size).',
      );
    used.add(name);
    return { tensor: name, offset: 0, length: product(shape) };
  };
  const experts = (p: string): ExpertTensors<TensorSlice>[] => {
    if (idx.shape(`${p}.mlp.experts.gate_up_proj`) !== undefined) {
      const gu = whole(`${p}.mlp.experts.gate_up_proj`, [E, 2 * I, H]);
      const dn = whole(`${p}.mlp.experts.down_proj`, [E, H, I]);
      return Array.from({ length: E }, (_, e) => ({
        gate: { tensor: gu.tensor, offset: e * 2 * I * H, length: I * H },
        up: { tensor: gu.tensor, offset: e * 2 * I * H + I * H, length: I * H },
        down: { tensor: dn.tensor, offset: e * H * I, length: H * I },
      }));
    }
    return Array.from({ length: E }, (_, e) => ({
      gate: whole(`${p}.mlp.experts.${e}.gate_proj.weight`, [I, H]),
      up: whole(`${p}.mlp.experts.${e}.up_proj.weight`, [I, H]),
      down: whole(`${p}.mlp.experts.${e}.down_proj.weight`, [H, I]),
    }));
  };
  const layer = (L: number): LayerTensors<TensorSlice> => {
    const p = `model.layers.${L}`;
    return {
      inputNorm: whole(`${p}.input_layernorm.weight`, [H]),
      qProj: whole(`${p}.self_attn.q_proj.weight`, [c.num_attention_heads * D, H]),
      kProj: whole(`${p}.self_attn.k_proj.weight`, [c.num_key_value_heads * D, H]),
      vProj: whole(`${p}.self_attn.v_proj.weight`, [c.num_key_value_heads * D, H]),
      oProj: whole(`${p}.self_attn.o_proj.weight`, [H, c.num_attention_heads * D]),
      qNorm: whole(`${p}.self_attn.q_norm.weight`, [D]),
      kNorm: whole(`${p}.self_attn.k_norm.weight`, [D]),
      postNorm: whole(`${p}.post_attention_layernorm.weight`, [H]),
      router: whole(`${p}.mlp.gate.weight`, [E, H]),
      experts: experts(p),
    };
  };
  const slices: ModelTensors<TensorSlice> = {
    config: c,
    embed: whole('model.embed_tokens.weight', [c.vocab_size, H]),
    layers: Array.from({ length: c.num_hidden_layers }, (_, L) => layer(L)),
    finalNorm: whole('model.norm.weight', [H]),
  };
  if (!c.tie_word_embeddings) slices.lmHead = whole('lm_head.weight', [c.vocab_size, H]);
  const ignored: string[] = [];
  const unknown: string[] = [];
  for (const name of idx.names()) {
    if (used.has(name)) continue;
    if (IGNORED.test(name) || (c.tie_word_embeddings && name === 'lm_head.weight')) ignored.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0)
    throw new AccLensError(
      'E_CHECKPOINT_INVALID',
      `${idx.fileOf(unknown[0]!)}: ${unknown.length} tensor(s) a Qwen3-MoE model does not have, e.g. ${unknown.slice(0, 3).join(', ')}`,
      'These usually mean another architecture or options config.json does not state (attention biases, shared experts, extra layers); acc-lens will not drop weights silently.',
    );
  return { slices, ignored };
}
