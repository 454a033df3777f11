import { totalmem } from 'node:os';
import { AccLensError } from '../errors.ts';
import { N_DISTANCE_BINS } from '../schema/distance-bins.ts';
import type { ModelShape } from './instrument.ts';
import { chunkSizeFor, type CapturePlan } from './plan.ts';

/** What a probe contributes to the estimate. */
export interface ProbeSize {
  id: string;
  n_tokens: number; // prompt + answer tokens fed to the model
  segments: number;
  rowQueries: number; // query rows kept as sparse/full rows (summed over query sets)
}

export interface PlanEstimate {
  /** Largest resident set expected while capturing, over models and probes. */
  peakBytes: number;
  /** The parts of that peak, for the longest probe. */
  breakdown: { runtime: number; weights: number; kvCache: number; attentionChunk: number; accumulators: number };
  /** Bytes the run's Arrow part files will take (uncompressed), all models. */
  outputBytes: number;
  budgetBytes: number;
  /** The model × probe that gives the peak; `cache: false` means that model runs the probe in one pass. */
  worst: { model: number; probeId: string; tokens: number; cache: boolean } | null;
  /** Without a KV cache: the longest probe (tokens) whose one-pass peak fits the budget, per the same estimate. */
  maxOnePassTokens: number | null;
  fits: boolean;
  suggestion: string | null;
}

/** ORT + Node baseline measured on the reference pair (process with a session open, before the first run). */
const RUNTIME_BYTES = 350 * 2 ** 20;
/**
 * Live [heads, chunk, keys] float32 buffers per layer at the peak, calibrated on measured peak RSS
 * (docs/capture.md#memory-estimate): scores, scaled and masked scores, probabilities and the
 * reductions' intermediates. One pass without a KV cache measured 6.0–6.3 buffers (1k–8k tokens,
 * any query sets); chunked prefill 6.1–8.3 (the KV-cache copies add to it). Rounded up, so the
 * estimate errs high.
 */
export const ATTENTION_BUFFERS = { onePass: 7, chunked: 9 } as const;

/** The chunk a model runs a probe in: the plan's, or the whole probe (T) for a graph without KV-cache inputs. */
export const chunkFor = (plan: CapturePlan, m: ModelShape, tokens: number): number =>
  m.cache === false ? tokens : chunkSizeFor(plan, tokens);

function peakFor(plan: CapturePlan, m: ModelShape, p: ProbeSize, chunk: number): PlanEstimate['breakdown'] {
  const T = p.n_tokens,
    S = Math.min(chunk, T),
    f32 = 4;
  // With a cache: past + present of every layer alive together. Without: one layer's K and V, repeated to the query heads.
  const kvCache =
    m.cache === false
      ? 2 * m.queryHeads * T * m.headDim * f32
      : 2 * 2 * m.layers * m.kvHeads * T * m.headDim * (m.kvBytes ?? f32);
  const buffers = m.cache === false ? ATTENTION_BUFFERS.onePass : ATTENTION_BUFFERS.chunked;
  const attentionChunk =
    buffers * m.queryHeads * S * T * f32 + (plan.rows?.full ? p.rowQueries * m.queryHeads * T * f32 * m.layers : 0);
  const rows = plan.rows ? p.rowQueries * m.layers * m.queryHeads * (plan.rows.full ? T : plan.rows.k) * 8 : 0;
  const routing = plan.routing ? T * m.layers * m.topK * 8 : 0;
  const routerProbs = plan.router_probs ? T * m.layers * m.experts * f32 : 0;
  const segments = T * (p.segments + 1) * f32 * 2;
  // Encoding builds JS arrays (~40 bytes per value) for every table row before the Arrow copy.
  const encode = 40 * 7 * (rows / 8 + routing / 8 + routerProbs / 4);
  return {
    runtime: RUNTIME_BYTES,
    weights: m.fileBytes,
    kvCache,
    attentionChunk,
    accumulators: rows + routing + routerProbs + segments + encode,
  };
}

const total = (b: PlanEstimate['breakdown']): number =>
  b.runtime + b.weights + b.kvCache + b.attentionChunk + b.accumulators;

function outputBytes(plan: CapturePlan, m: ModelShape, p: ProbeSize): number {
  const LH = m.layers * m.queryHeads,
    T = p.n_tokens;
  return (
    (plan.segments ? LH * (p.segments + 1) ** 2 * 28 : 0) +
    (plan.distance ? LH * plan.distance.query_sets.length * N_DISTANCE_BINS * 34 : 0) +
    (plan.rows ? LH * p.rowQueries * (plan.rows.full ? T / 2 : plan.rows.k) * 36 : 0) +
    (plan.routing ? m.layers * T * m.topK * 22 : 0) +
    (plan.router_probs ? m.layers * T * m.experts * 20 : 0)
  );
}

/**
 * Estimates a capture's peak memory and output size before anything runs, and says what to drop when
 * the peak exceeds the budget (`plan.memory_budget_bytes`, default 75 % of physical memory).
 * Example: `estimatePlan(plan, [shape], probes).fits`.
 */
export function estimatePlan(
  plan: CapturePlan,
  models: readonly ModelShape[],
  probes: readonly ProbeSize[],
): PlanEstimate {
  const budgetBytes = plan.memory_budget_bytes ?? Math.floor(0.75 * totalmem());
  let peak = 0,
    breakdown: PlanEstimate['breakdown'] = {
      runtime: RUNTIME_BYTES,
      weights: 0,
      kvCache: 0,
      attentionChunk: 0,
      accumulators: 0,
    };
  let out = 0,
    worst: PlanEstimate['worst'] = null;
  for (const [i, m] of models.entries())
    for (const p of probes) {
      const b = peakFor(plan, m, p, chunkFor(plan, m, p.n_tokens));
      if (total(b) > peak) {
        peak = total(b);
        breakdown = b;
        worst = { model: i, probeId: p.id, tokens: p.n_tokens, cache: m.cache !== false };
      }
      out += outputBytes(plan, m, p);
    }
  const fits = peak <= budgetBytes;
  const oneChunk =
    worst && !worst.cache
      ? maxOnePass(
          plan,
          models[worst.model]!,
          probes.find((p) => p.id === worst.probeId)!,
          budgetBytes,
        )
      : null;
  return {
    peakBytes: peak,
    breakdown,
    outputBytes: out,
    budgetBytes,
    worst,
    maxOnePassTokens: oneChunk,
    fits,
    suggestion: fits ? null : suggest(plan, models, probes, budgetBytes),
  };
}

/** Longest probe, scaled from `p`, whose one-pass peak fits (bisection on T; 0 when none does). */
function maxOnePass(plan: CapturePlan, m: ModelShape, p: ProbeSize, budget: number): number {
  const fitsAt = (T: number) =>
    total(peakFor(plan, m, { ...p, n_tokens: T, rowQueries: Math.min(p.rowQueries, T) }, T)) <= budget;
  let lo = 0,
    hi = p.n_tokens;
  if (fitsAt(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fitsAt(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function suggest(
  plan: CapturePlan,
  models: readonly ModelShape[],
  probes: readonly ProbeSize[],
  budget: number,
): string {
  const tips: string[] = [];
  const peakWith = (p: CapturePlan, chunk: number) =>
    Math.max(
      ...models.flatMap((m) =>
        probes.map((q) =>
          total(peakFor(p, m, q, m.cache === false ? q.n_tokens : Math.min(chunk, chunkSizeFor(p, q.n_tokens)))),
        ),
      ),
    );
  if (plan.rows?.full) tips.push('drop full rows ("rows": {"full": false})');
  if (plan.router_probs) tips.push('drop full router probabilities ("router_probs": false)');
  const longestChunk = Math.max(...probes.map((q) => chunkSizeFor(plan, q.n_tokens)));
  let chunk = longestChunk;
  while (chunk > 16 && peakWith(plan, chunk) > budget) chunk = Math.floor(chunk / 2);
  if (chunk < longestChunk && peakWith(plan, chunk) <= budget) tips.push(`use a smaller chunk (--chunk-size ${chunk})`);
  if (plan.rows && !plan.rows.full && plan.rows.k > 16) tips.push(`keep fewer keys per row ("rows": {"k": 16})`);
  const longest = Math.max(...probes.map((p) => p.n_tokens));
  tips.push(`use shorter probes (longest has ${longest} tokens) or a machine with more memory`);
  return tips.join('; or ');
}

/**
 * Throws when the estimate does not fit: E_CONTEXT_TOO_LONG when the peak comes from a model without KV-cache
 * inputs (it cannot run in chunks), else E_CONFIG_INVALID (plan over budget) with the suggestion.
 * `models` names the estimate's models in order, for the message. Example: `assertFits(estimate, ['base.onnx'])`.
 */
export function assertFits(e: PlanEstimate, models: readonly string[] = []): void {
  if (e.fits) return;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (e.worst && !e.worst.cache) {
    const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`,
      T = e.worst.tokens;
    const name = models[e.worst.model] ?? `model ${e.worst.model}`;
    throw new AccLensError(
      'E_CONTEXT_TOO_LONG',
      `${name} has no KV-cache inputs, so the whole prompt runs in one pass and needs ≈ ${gb(e.peakBytes)} at ${T} tokens (probe ${e.worst.probeId}; attention buffers ${gb(e.breakdown.attentionChunk)}: heads × ${T}² per layer), over the budget of ${gb(e.budgetBytes)}`,
      `Export the model with past_key_values.N.key/value inputs (and present.N.key/value outputs) to capture in chunks, or use shorter probes (about ${e.maxOnePassTokens ?? 0} tokens fit in one pass).`,
    );
  }
  throw new AccLensError(
    'E_CONFIG_INVALID',
    `capture plan needs an estimated ${gib(e.peakBytes)} peak (KV cache ${gib(e.breakdown.kvCache)}, attention chunk ${gib(e.breakdown.attentionChunk)}, kept data ${gib(e.breakdown.accumulators)}), over the budget of ${gib(e.budgetBytes)}`,
    `To fit: ${e.suggestion ?? 'reduce the plan'}. Or raise "memory_budget_bytes" in --plan if you know better.`,
  );
}
