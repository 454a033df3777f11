import type { LayerWeights } from '../weights.ts';
import { linear, type GraphContext } from './graph-common.ts';

export interface MoeIo {
  layer: number;
  x: string; // [B, S, H] post-attention-normed hidden states
  /** When set, the router Softmax output [N, E] and TopK indices [N, k] get these names (graph outputs). */
  routerProbsName?: string;
  topKName?: string;
}

/** Experts' gate (or up) rows stacked side by side: [H, E·I] with column e·I + i = row i of expert e. */
function stackInputProjections(l: LayerWeights, pick: 'gate' | 'up', H: number, I: number): Float32Array {
  const E = l.experts.length,
    out = new Float32Array(H * E * I);
  l.experts.forEach((ex, e) => {
    const w = ex[pick]; // [I, H]
    for (let i = 0; i < I; i++) for (let h = 0; h < H; h++) out[h * E * I + e * I + i] = w[i * H + h]!;
  });
  return out;
}

/** Experts' down projections stacked: [E·I, H] with row e·I + i = column i of expert e's down [H, I]. */
function stackDown(l: LayerWeights, H: number, I: number): Float32Array {
  const E = l.experts.length,
    out = new Float32Array(E * I * H);
  l.experts.forEach((ex, e) => {
    for (let i = 0; i < I; i++) for (let h = 0; h < H; h++) out[(e * I + i) * H + h] = ex.down[h * I + i]!;
  });
  return out;
}

/**
 * Router MatMul → Softmax → TopK (→ renormalise) as a torch export has it, then all experts computed
 * densely and mixed by a scattered [N, E] gate matrix: Σ_e w_e·down_e(silu(gate_e·x) ⊙ up_e·x) in one
 * [N, E·I]·[E·I, H] MatMul (zero weights for unselected experts). Fine on CPU for small E.
 */
export function moeUnfused(cx: GraphContext, l: LayerWeights, io: MoeIo): string {
  const { g, c } = cx,
    H = c.hidden_size,
    E = c.num_experts,
    I = c.moe_intermediate_size,
    k = c.num_experts_per_tok;
  const p = `/model/layers.${io.layer}/mlp`;
  const rows = g.op('Reshape', [io.x, g.int64([-1, H])], { name: `${p}/Reshape_rows` }); // [N, H]
  const logits = linear(cx, rows, `${p}/gate`, l.router, E, H); // [N, E]
  const [probs] = g.node('Softmax', [logits], {
    name: `${p}/Softmax`,
    attrs: { axis: { i: -1 } },
    ...(io.routerProbsName ? { outputs: [io.routerProbsName] } : {}),
  });
  const topOuts = [`${p}/TopK_output_0`, io.topKName ?? `${p}/TopK_output_1`];
  const [topW, topIdx] = g.node('TopK', [probs!, g.int64([k])], {
    name: `${p}/TopK`,
    outputs: topOuts,
    attrs: { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } },
  });
  const weights = c.norm_topk_prob
    ? g.op(
        'Div',
        [
          topW!,
          g.op('ReduceSum', [topW!, g.int64([-1])], { name: `${p}/ReduceSum_topk`, attrs: { keepdims: { i: 1 } } }),
        ],
        { name: `${p}/Div_renorm` },
      )
    : topW!;
  const zeros = g.op('ConstantOfShape', [g.op('Shape', [probs!], { name: `${p}/Shape_probs` })], {
    name: `${p}/ConstantOfShape`,
  }); // [N, E] float 0
  const dense = g.op('ScatterElements', [zeros, topIdx!, weights], {
    name: `${p}/ScatterElements`,
    attrs: { axis: { i: 1 } },
  }); // [N, E]
  const gate = g.op(
    'MatMul',
    [rows, g.weight(`${p}/experts.gate_proj.weight`, [H, E * I], stackInputProjections(l, 'gate', H, I))],
    { name: `${p}/experts/MatMul_gate` },
  );
  const up = g.op(
    'MatMul',
    [rows, g.weight(`${p}/experts.up_proj.weight`, [H, E * I], stackInputProjections(l, 'up', H, I))],
    { name: `${p}/experts/MatMul_up` },
  );
  const act = g.op('Mul', [gate, g.op('Sigmoid', [gate], { name: `${p}/experts/Sigmoid` })], {
    name: `${p}/experts/Mul_silu`,
  });
  const hidden = g.op('Reshape', [g.op('Mul', [act, up], { name: `${p}/experts/Mul_up` }), g.int64([-1, E, I])], {
    name: `${p}/experts/Reshape_experts`,
  }); // [N, E, I]
  const gated = g.op('Mul', [hidden, g.op('Unsqueeze', [dense, g.int64([2])], { name: `${p}/Unsqueeze_weights` })], {
    name: `${p}/experts/Mul_weights`,
  });
  const flat = g.op('Reshape', [gated, g.int64([-1, E * I])], { name: `${p}/experts/Reshape_flat` }); // [N, E·I]
  const y = g.op('MatMul', [flat, g.weight(`${p}/experts.down_proj.weight`, [E * I, H], stackDown(l, H, I))], {
    name: `${p}/experts/MatMul_down`,
  }); // [N, H]
  return g.op('Reshape', [y, g.op('Shape', [io.x], { name: `${p}/Shape_x` })], { name: `${p}/Reshape_out` });
}
