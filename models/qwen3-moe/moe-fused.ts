import type { LayerWeights } from '../weights.ts';
import { linear, type GraphContext } from './graph-common.ts';
import type { MoeIo } from './moe-unfused.ts';

const FLOAT_MAX = 3.4028234663852886e38;

/**
 * fc1 [E, 2I, H] for ORT's CPU MoE SwiGLU: rows interleaved gate_0, up_0, gate_1, up_1, … (the CPU
 * kernel only accepts swiglu_fusion=1) — each row in nn.Linear [out, in] layout.
 */
export function interleavedGateUp(l: LayerWeights, H: number, I: number): Float32Array {
  const E = l.experts.length,
    out = new Float32Array(E * 2 * I * H);
  l.experts.forEach((ex, e) => {
    for (let i = 0; i < I; i++) {
      out.set(ex.gate.subarray(i * H, (i + 1) * H), (e * 2 * I + 2 * i) * H);
      out.set(ex.up.subarray(i * H, (i + 1) * H), (e * 2 * I + 2 * i + 1) * H);
    }
  });
  return out;
}

/** fc2 [E, H, I]: each expert's down projection as stored (nn.Linear [H, I]). */
function stackedDown(l: LayerWeights, H: number, I: number): Float32Array {
  const out = new Float32Array(l.experts.length * H * I);
  l.experts.forEach((ex, e) => out.set(ex.down, e * H * I));
  return out;
}

/**
 * com.microsoft MoE: router_probs takes the router LOGITS (the kernel applies softmax, top-k and
 * the optional renormalisation itself). SwiGLU with alpha 1, beta 0 and no clamp is exactly
 * silu(gate·x) ⊙ (up·x). Returns [B, S, H].
 */
export function moeFused(cx: GraphContext, l: LayerWeights, io: MoeIo): string {
  const { g, c } = cx,
    H = c.hidden_size,
    E = c.num_experts,
    I = c.moe_intermediate_size;
  const p = `/model/layers.${io.layer}/moe`;
  const rows = g.op('Reshape', [io.x, g.int64([-1, H])], { name: `${p}/Reshape_rows` }); // [N, H]
  const logits = linear(cx, rows, `${p}/gate`, l.router, E, H); // [N, E]
  const fc1 = g.weight(`${p}/experts.fc1.weight`, [E, 2 * I, H], interleavedGateUp(l, H, I));
  const fc2 = g.weight(`${p}/experts.fc2.weight`, [E, H, I], stackedDown(l, H, I));
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
