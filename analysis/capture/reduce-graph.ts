import type { Instrumentation } from '../onnx/instrument/index.ts';
import { captureName } from '../onnx/instrument/index.ts';
import { GraphEdit } from '../onnx/edit/index.ts';
import type { ModelProto } from '../onnx/read-model.ts';
import { N_DISTANCE_BINS } from '../schema/distance-bins.ts';
import type { QuerySet } from '../schema/query-sets.ts';
import type { CapturePlan } from './plan.ts';

/**
 * Per-chunk inputs of the reduction graph (S = chunk rows, T = P + S keys, G = segments + 1,
 * Q = distance query sets, R = selected rows).
 */
export const IN = {
  /** float [T, G]: 1 where key j lies in segment column g (column 0 = outside every segment) */
  keySegments: 'acc_lens.in.key_segments',
  querySegments: 'acc_lens.in.query_segments', // float [G, S]
  /** int64 [D ≥ 1]: chunk rows of the distance query sets (absent when `all` is planned: D = S) */
  distanceRows: 'acc_lens.in.distance_rows',
  distanceIndex: 'acc_lens.in.distance_index', // int64 [1, 1, D, 33]: max(q − edge, 0) per row and bin edge
  distanceValid: 'acc_lens.in.distance_valid', // float [1, 1, D, 33]: 1 where q − edge ≥ 0
  querySets: 'acc_lens.in.query_sets', // float [Q, D]: 1 where row d belongs to the distance query set
  rowIndex: 'acc_lens.in.row_index', // int64 [R ≥ 1]: chunk rows to keep (a dummy row when none)
  rowK: 'acc_lens.in.row_k', // int64 [1]: min(k, T)
} as const;

/** Small per-layer outputs that leave the graph. */
export const OUT = {
  /** [1, H, G, G]: Σ over chunk rows of each query segment of the mass on each key segment */
  segmentMass: (L: number) => `acc_lens.out.segment_mass.${L}`,
  /** [1, H, Q, 32]: Σ over chunk rows of each query set of the mass per distance bin */
  distanceMass: (L: number) => `acc_lens.out.distance_mass.${L}`,
  rowWeights: (L: number) => `acc_lens.out.row_weights.${L}`, // [1, H, R, k] (top-k) or [1, H, R, T] (full rows)
  rowKeys: (L: number) => `acc_lens.out.row_keys.${L}`, // int64 [1, H, R, k]
  routerProbs: (L: number) => `acc_lens.out.router_probs.${L}`, // [tokens, E]
} as const;

/** Whether distance profiles run over every chunk row (the `all` set) or only over gathered query-set rows. */
export const distanceOverAll = (plan: CapturePlan): boolean => plan.distance?.query_sets.includes('all') ?? false;

/** What the reduced graph computes, per layer. */
export interface ReducedLayout {
  attentionLayers: number[];
  routingLayers: number[];
  routerProbLayers: number[];
  distanceSets: QuerySet[];
  /** Whether the LM head was narrowed to the logit rows (narrowLogitHead). */
  narrowedHead?: boolean;
}

/**
 * Appends in-graph reductions on the `acc_lens.attn_probs.{L}` tensors that addCaptureTensors made
 * (never exposing them unless the plan asks for full rows) and exposes routing as graph outputs.
 * Example: `addCaptureTensors(model, inst); appendReductions(model, inst, plan)`.
 */
export function appendReductions(model: ModelProto, inst: Instrumentation, plan: CapturePlan): ReducedLayout {
  const e = new GraphEdit(model);
  const names = new Set(inst.tensors.map((t) => t.name));
  const attentionLayers = inst.tensors
    .filter((t) => t.kind === 'attn_probs')
    .map((t) => t.layer)
    .sort((a, b) => a - b);
  const anyAttention = attentionLayers.length > 0;
  if (anyAttention && plan.segments) {
    e.input(IN.keySegments, 'float32', ['total', 'groups']);
    e.input(IN.querySegments, 'float32', ['groups', 'sequence']);
  }
  if (anyAttention && plan.distance) {
    if (!distanceOverAll(plan)) e.input(IN.distanceRows, 'int64', ['distance_rows']);
    e.input(IN.distanceIndex, 'int64', [1, 1, 'distance_rows', N_DISTANCE_BINS + 1]);
    e.input(IN.distanceValid, 'float32', [1, 1, 'distance_rows', N_DISTANCE_BINS + 1]);
    e.input(IN.querySets, 'float32', [plan.distance.query_sets.length, 'distance_rows']);
  }
  if (anyAttention && plan.rows) {
    e.input(IN.rowIndex, 'int64', ['rows']);
    if (!plan.rows.full) e.input(IN.rowK, 'int64', [1]);
  }
  const last = e.int64([-1]);
  for (const L of attentionLayers) {
    const P = captureName('attn_probs', L); // [1, H, S, T]
    if (plan.segments) {
      const perRow = e.op('MatMul', [P, IN.keySegments], `acc_lens.capture.seg_rows.${L}`); // [1, H, S, G]
      e.output(e.op('MatMul', [IN.querySegments, perRow], OUT.segmentMass(L)));
    }
    if (plan.distance) {
      // CumSum is the costly step (a full [H, rows, T] pass, single-threaded in ORT):
      // without `all`, only the query sets' rows.
      const rows = distanceOverAll(plan)
        ? P
        : e.op('Gather', [P, IN.distanceRows], `acc_lens.capture.dist_sel.${L}`, { axis: 2 });
      const C = e.op('CumSum', [rows, last], `acc_lens.capture.cumsum.${L}`); // inclusive: C[j] = Σ_{k ≤ j} P[k]
      const heads = e.op(
        'Slice',
        [e.op('Shape', [P], `acc_lens.capture.shape.${L}`), e.int64([1]), e.int64([2])],
        `acc_lens.capture.heads.${L}`,
      );
      const target = e.op('Concat', [e.int64([1]), heads, e.int64([1, 1])], `acc_lens.capture.expand_to.${L}`, {
        axis: 0,
      });
      const idx = e.op('Expand', [IN.distanceIndex, target], `acc_lens.capture.dist_idx.${L}`);
      const atEdges = e.op(
        'Mul',
        [e.op('GatherElements', [C, idx], `acc_lens.capture.at_edges_raw.${L}`, { axis: 3 }), IN.distanceValid],
        `acc_lens.capture.at_edges.${L}`,
      );
      // Mass with distance in [e_b, e_b+1) = C[q − e_b] − C[q − e_b+1] (C[< 0] = 0): [1, H, S, 32].
      const near = e.op(
        'Slice',
        [atEdges, e.int64([0]), e.int64([N_DISTANCE_BINS]), e.int64([3])],
        `acc_lens.capture.edges_near.${L}`,
      );
      const far = e.op(
        'Slice',
        [atEdges, e.int64([1]), e.int64([N_DISTANCE_BINS + 1]), e.int64([3])],
        `acc_lens.capture.edges_far.${L}`,
      );
      const perRow = e.op('Sub', [near, far], `acc_lens.capture.dist_rows.${L}`);
      e.output(e.op('MatMul', [IN.querySets, perRow], OUT.distanceMass(L)));
    }
    if (plan.rows) {
      const rows = e.op('Gather', [P, IN.rowIndex], plan.rows.full ? OUT.rowWeights(L) : `acc_lens.capture.rows.${L}`, {
        axis: 2,
      }); // [1, H, R, T]
      if (plan.rows.full) e.output(rows);
      else {
        e.ops('TopK', [rows, IN.rowK], [OUT.rowWeights(L), OUT.rowKeys(L)], { axis: -1, largest: 1, sorted: 1 });
        e.output(OUT.rowWeights(L));
        e.output(OUT.rowKeys(L));
      }
    }
  }
  const routingLayers: number[] = [];
  const routerProbLayers: number[] = [];
  for (const t of inst.tensors) {
    if (t.kind === 'topk_ids' && plan.routing && names.has(captureName('topk_weights', t.layer))) {
      routingLayers.push(t.layer);
      e.output(t.name);
      e.output(captureName('topk_weights', t.layer));
    }
    if (t.kind === 'router_logits' && plan.router_probs) {
      routerProbLayers.push(t.layer);
      e.output(e.op('Softmax', [t.name], OUT.routerProbs(t.layer), { axis: -1 }));
    }
  }
  e.commit();
  return {
    attentionLayers,
    routingLayers: routingLayers.sort((a, b) => a - b),
    routerProbLayers: routerProbLayers.sort((a, b) => a - b),
    distanceSets: plan.distance?.query_sets ?? [],
  };
}
