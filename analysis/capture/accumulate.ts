import { captureName } from '../onnx/instrument/index.ts';
import type { ChunkSelection } from './chunk-feeds.ts';
import { ANSWER_LOGPROBS } from './logit-head.ts';
import type { CapturePlan } from './plan.ts';
import { OUT, type ReducedLayout } from './reduce-graph.ts';
import type { NamedTensor } from './session.ts';

/** One gathered query row of one layer: weights (and key positions for top-k) per head. */
export interface CapturedRow {
  position: number;
  heads: number;
  width: number; // k (top-k) or T (full row)
  weights: Float32Array; // [heads, width]
  keys: Int32Array | null; // [heads, width]; null for full rows (key = index)
}

/** Small per-probe results, summed or collected over chunks. */
export interface UnitAccumulator {
  segmentSums: Map<number, Float64Array>; // layer → [H, G, G]
  distanceSums: Map<number, Float64Array>; // layer → [H, Q, 32]
  rows: Map<number, CapturedRow[]>; // layer → rows in position order
  routing: Map<number, { experts: Int32Array; gates: Float32Array; k: number }>; // layer → [N, k]
  routerProbs: Map<number, { probs: Float32Array; experts: number }>; // layer → [N, E]
  logprobs: Map<number, number>; // position of the answer token → log-prob
  heads: number;
}

export function newAccumulator(): UnitAccumulator {
  return {
    segmentSums: new Map(),
    distanceSums: new Map(),
    rows: new Map(),
    routing: new Map(),
    routerProbs: new Map(),
    logprobs: new Map(),
    heads: 0,
  };
}

/** The graph outputs a capture fetches for every chunk. */
export function captureFetches(layout: ReducedLayout, plan: CapturePlan): string[] {
  const out: string[] = [];
  for (const L of layout.attentionLayers) {
    if (plan.segments) out.push(OUT.segmentMass(L));
    if (plan.distance) out.push(OUT.distanceMass(L));
    if (plan.rows) out.push(OUT.rowWeights(L), ...(plan.rows.full ? [] : [OUT.rowKeys(L)]));
  }
  for (const L of layout.routingLayers) out.push(captureName('topk_ids', L), captureName('topk_weights', L));
  for (const L of layout.routerProbLayers) out.push(OUT.routerProbs(L));
  if (layout.narrowedHead && plan.answer_logprobs) out.push(ANSWER_LOGPROBS);
  return out;
}

function addInto(map: Map<number, Float64Array>, L: number, t: NamedTensor): void {
  const sum = map.get(L) ?? new Float64Array(t.data.length);
  for (let i = 0; i < sum.length; i++) sum[i]! += Number(t.data[i]!);
  map.set(L, sum);
}

/**
 * Folds one chunk's outputs into the probe's accumulator (`start` = the chunk's first position, `n` = the probe's tokens).
 * Example: `accumulateChunk(acc, outputs, sel, 1024, layout, plan, ids.length)`.
 */
export function accumulateChunk(
  acc: UnitAccumulator,
  out: Record<string, NamedTensor>,
  sel: ChunkSelection,
  start: number,
  layout: ReducedLayout,
  plan: CapturePlan,
  n: number,
): void {
  for (const L of layout.attentionLayers) {
    if (plan.segments) addInto(acc.segmentSums, L, out[OUT.segmentMass(L)]!);
    if (plan.distance) addInto(acc.distanceSums, L, out[OUT.distanceMass(L)]!);
    if (plan.rows && sel.rowPositions.length > 0) {
      const w = out[OUT.rowWeights(L)]!,
        keys = plan.rows.full ? null : out[OUT.rowKeys(L)]!;
      const [, H, R, W] = w.dims as [number, number, number, number];
      acc.heads = H;
      const list = acc.rows.get(L) ?? [];
      for (let r = 0; r < R; r++) {
        const weights = new Float32Array(H * W),
          keyPos = keys ? new Int32Array(H * W) : null;
        for (let h = 0; h < H; h++) {
          const at = (h * R + r) * W;
          weights.set((w.data as Float32Array).subarray(at, at + W), h * W);
          if (keyPos) for (let j = 0; j < W; j++) keyPos[h * W + j] = Number(keys!.data[at + j]!);
        }
        list.push({ position: sel.rowPositions[r]!, heads: H, width: W, weights, keys: keyPos });
      }
      acc.rows.set(L, list);
    }
    if (plan.segments || plan.distance)
      acc.heads = out[plan.segments ? OUT.segmentMass(L) : OUT.distanceMass(L)]!.dims[1] as number;
  }
  for (const L of layout.routingLayers) {
    const ids = out[captureName('topk_ids', L)]!,
      gates = out[captureName('topk_weights', L)]!;
    const k = ids.dims[ids.dims.length - 1]!;
    const slot = acc.routing.get(L) ?? { experts: new Int32Array(n * k), gates: new Float32Array(n * k), k };
    for (let i = 0; i < ids.data.length; i++) {
      slot.experts[start * k + i] = Number(ids.data[i]!);
      slot.gates[start * k + i] = Number(gates.data[i]!);
    }
    acc.routing.set(L, slot);
  }
  for (const L of layout.routerProbLayers) {
    const p = out[OUT.routerProbs(L)]!,
      E = p.dims[p.dims.length - 1]!;
    const slot = acc.routerProbs.get(L) ?? { probs: new Float32Array(n * E), experts: E };
    slot.probs.set(p.data as Float32Array, start * E);
    acc.routerProbs.set(L, slot);
  }
  const lp = out[ANSWER_LOGPROBS];
  if (lp) sel.logitPositions.forEach((p, i) => acc.logprobs.set(p + 1, Number(lp.data[i]!)));
}
