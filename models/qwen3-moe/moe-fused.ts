import type { LazyLayerWeights } from '../weights.ts';
import { linear, type GraphContext } from './graph-common.ts';
import type { MoeIo } from './moe-unfused.ts';
import { interleaveRows, perItem, readAll } from './weight-values.ts';

const FLOAT_MAX = 3.4028234663852886e38;

/**
 * com.microsoft MoE: router_probs takes the router LOGITS (the kernel applies softmax, top-k and
 * the optional renormalisation itself). SwiGLU with alpha 1, beta 0 and no clamp is exactly
 * silu(gate·x) ⊙ (up·x). fc1 [E, 2I, H] has each expert's gate and up rows interleaved (gate_0, up_0,
 * gate_1, …; the CPU kernel only accepts swiglu_fusion=1); fc2 [E, H, I] is each expert's down
 * projection as stored. Both are written one expert at a time. Returns [B, S, H].
 */
export function moeFused(cx: GraphContext, l: LazyLayerWeights, io: MoeIo): string {
  const { g, c } = cx,
    H = c.hidden_size,
    E = c.num_experts,
    I = c.moe_intermediate_size;
  const p = `/model/layers.${io.layer}/moe`;
  const rows = g.op('Reshape', [io.x, g.int64([-1, H])], { name: `${p}/Reshape_rows` }); // [N, H]
  const logits = linear(cx, rows, `${p}/gate`, l.router, E, H); // [N, E]
  const gateUp = perItem(E, 2 * I * H, (e) =>
    interleaveRows(readAll(l.experts[e]!.gate), readAll(l.experts[e]!.up), I, H),
  );
  const fc1 = g.weight(`${p}/experts.fc1.weight`, [E, 2 * I, H], gateUp, cx.dtype);
  const fc2 = g.weight(
    `${p}/experts.fc2.weight`,
    [E, H, I],
    perItem(E, H * I, (e) => readAll(l.experts[e]!.down)),
    cx.dtype,
  );
  const y = g.op('MoE', [rows, logits, fc1, '', fc2], {
    name: `${p}/MoE`,
    domain: 'com.microsoft',
    attrs: {
      k: { i: c.num_experts_per_tok },
      normalize_routing_weights: { i: c.norm_topk_prob ? 1 : 0 },
      activation_type: { s: 'swiglu' },
      swiglu_fusion: { i: 1 },
      activation_alpha: { f: 1 },
      activation_beta: { f: 0 },
      swiglu_limit: { f: FLOAT_MAX },
    },
  });
  return g.op('Reshape', [y, g.op('Shape', [io.x], { name: `${p}/Shape_x` })], { name: `${p}/Reshape_out` });
}
