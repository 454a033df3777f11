import type { Rng } from '../../analysis/stats/rng.ts';
import { TASK_FAMILIES, type TaskFamily } from '../../analysis/probes/families.ts';
import type { ExpertWeights } from '../weights.ts';
import { Matrix } from './linear.ts';
import { PLANT, REFERENCE_CONFIG as C, RESIDUAL, rangeIndices } from './layout.ts';

const H = C.hidden_size,
  E = C.num_experts,
  I = C.moe_intermediate_size;
const GENERIC = rangeIndices(RESIDUAL.GENERIC);
const CONTENT = [...rangeIndices(RESIDUAL.CODE), ...GENERIC];
/** Router logit spread ≈ 1 over content; the family subspace gets no weight in base. */
const ROUTER_STD = 1 / Math.sqrt(H);
const EXPERT_OUT_STD = 0.025;

/** Task-agnostic router [E, H]: random on content dims, exactly zero on every planted subspace. */
export function buildBaseRouter(rng: Rng): Float32Array {
  const m = new Matrix(E, H);
  m.randomBlock(rng, range(E), CONTENT, ROUTER_STD);
  return m.data;
}

/** Disjoint expert subsets per family (PLANT.expertsPerFamily each), shuffled per layer. */
export function familyExpertSubsets(rng: Rng): Record<TaskFamily, number[]> {
  const order = range(E);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = {} as Record<TaskFamily, number[]>;
  TASK_FAMILIES.forEach((family, f) => {
    out[family] = order.slice(f * PLANT.expertsPerFamily, (f + 1) * PLANT.expertsPerFamily).sort((a, b) => a - b);
  });
  return out;
}

/** Tuned router = base + γ·A, A mapping family f's feature to its expert subset. */
export function plantRouter(base: Float32Array, subsets: Record<TaskFamily, number[]>): Float32Array {
  const tuned = base.slice();
  TASK_FAMILIES.forEach((family, f) => {
    for (const e of subsets[family]) tuned[e * H + RESIDUAL.FAMILY.start + f] = PLANT.routerBoost;
  });
  return tuned;
}

/**
 * Tuned experts of a routed layer: each expert of family f's subset gets a copy path in its
 * intermediate units 0..29 — unit u = silu(copyGate·FAMILY_f) · from_u, written to to_u (PLANT.copyPath).
 * For any other family FAMILY_f = 0 and silu(0) = 0, so the path is silent. Everything else equals base's experts.
 */
export function plantExperts(
  base: ExpertWeights[],
  subsets: Record<TaskFamily, number[]>,
  path: { from: 'COPY' | 'RELAY'; to: 'RELAY' | 'OUT'; down: number },
): ExpertWeights[] {
  const from = rangeIndices(RESIDUAL[path.from]);
  const to = rangeIndices(RESIDUAL[path.to]);
  const tuned = base.map((e) => ({ ...e }));
  TASK_FAMILIES.forEach((family, f) => {
    for (const e of subsets[family]) {
      const gate = base[e]!.gate.slice(),
        up = base[e]!.up.slice(),
        down = base[e]!.down.slice();
      from.forEach((col, u) => {
        gate.fill(0, u * H, (u + 1) * H);
        up.fill(0, u * H, (u + 1) * H);
        gate[u * H + RESIDUAL.FAMILY.start + f] = PLANT.copyGate;
        up[u * H + col] = 1;
        for (let r = 0; r < H; r++) down[r * I + u] = 0;
        down[to[u]! * I + u] = path.down;
      });
      tuned[e] = { gate, up, down };
    }
  });
  return tuned;
}

/** SwiGLU experts reading the whole normalized stream and writing GENERIC only. */
export function buildExperts(rng: Rng): ExpertWeights[] {
  const all = range(H);
  return range(E).map(() => {
    const gate = new Matrix(I, H),
      up = new Matrix(I, H),
      down = new Matrix(H, I);
    gate.randomBlock(rng, range(I), all, 1 / Math.sqrt(H));
    up.randomBlock(rng, range(I), all, 1 / Math.sqrt(H));
    down.randomBlock(rng, GENERIC, range(I), EXPERT_OUT_STD);
    return { gate: gate.data, up: up.data, down: down.data };
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
