import { float16Tensor } from '../../analysis/onnx/tensor-proto.ts';
import type { LazyLayerWeights } from '../weights.ts';
import { linear, toFloat32, toModelType, type GraphContext } from './graph-common.ts';
import { perItem, readAll, transpose } from './weight-values.ts';

export interface MoeIo {
  layer: number;
  x: string; // [B, S, H] post-attention-normed hidden states
  /** When set, the router Softmax output [N, E] and TopK indices [N, k] get these names (graph outputs). */
  routerProbsName?: string;
  topKName?: string;
}

/**
 * Router MatMul → Softmax → TopK (→ renormalise) as a torch export has it, then all experts computed
 * densely and mixed by a scattered [N, E] gate matrix: Σ_e w_e·down_e(silu(gate_e·x) ⊙ up_e·x), with
 * zero weights for unselected experts. The experts' gate and up projections are one [E·I, H] Gemm
 * weight each (the experts' [I, H] matrices stacked as stored, transB) and down one [E·I, H] MatMul
 * weight (each expert's down transposed), so every weight is written one expert at a time. Dense
 * costs E/k times the sparse FLOPs: fine on CPU for small E. In float16 graphs the router softmax,
 * top-k and renormalisation run in float32 (HF: softmax(router_logits, dtype=float)).
 */
export function moeUnfused(cx: GraphContext, l: LazyLayerWeights, io: MoeIo): string {
  const { g, c } = cx,
    H = c.hidden_size,
    E = c.num_experts,
    I = c.moe_intermediate_size,
    k = c.num_experts_per_tok;
  const p = `/model/layers.${io.layer}/mlp`;
  const rows = g.op('Reshape', [io.x, g.int64([-1, H])], { name: `${p}/Reshape_rows` }); // [N, H]
  const logits = linear(cx, rows, `${p}/gate`, l.router, E, H); // [N, E]
  const [probs] = g.node('Softmax', [toFloat32(cx, logits, `${p}/Cast_logits`)], {
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
  const zero = cx.dtype === 'float16' ? float16Tensor('value', [1], [0]) : undefined;
  const zeros = g.op('ConstantOfShape', [g.op('Shape', [probs!], { name: `${p}/Shape_probs` })], {
    name: `${p}/ConstantOfShape`,
    ...(zero ? { attrs: { value: { t: zero } } } : {}),
  }); // [N, E] of the model's float type
  const dense = g.op('ScatterElements', [zeros, topIdx!, toModelType(cx, weights, `${p}/Cast_weights`)], {
    name: `${p}/ScatterElements`,
    attrs: { axis: { i: 1 } },
  }); // [N, E]
  const stacked = (pick: 'gate' | 'up') =>
    g.weight(
      `${p}/experts.${pick}_proj.weight`,
      [E * I, H],
      perItem(E, I * H, (e) => readAll(l.experts[e]![pick])),
      cx.dtype,
    );
  const gate = g.op('Gemm', [rows, stacked('gate')], { name: `${p}/experts/Gemm_gate`, attrs: { transB: { i: 1 } } });
  const up = g.op('Gemm', [rows, stacked('up')], { name: `${p}/experts/Gemm_up`, attrs: { transB: { i: 1 } } });
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
  const down = perItem(E, I * H, (e) => transpose(readAll(l.experts[e]!.down), H, I));
  const y = g.op('MatMul', [flat, g.weight(`${p}/experts.down_proj.weight`, [E * I, H], down, cx.dtype)], {
    name: `${p}/experts/MatMul_down`,
  }); // [N, H]
  return g.op('Reshape', [y, g.op('Shape', [io.x], { name: `${p}/Shape_x` })], { name: `${p}/Reshape_out` });
}
