import type { TokenizedProbe } from '../tokenize/tokenize-probe.ts';
import { estimatePlan, type ProbeSize } from './estimate.ts';
import type { ModelShape } from './instrument.ts';
import type { CapturePlan } from './plan.ts';
import { querySetPositions } from './query-sets.ts';

/** A model × probe unit that cannot run, and why (recorded as the skipped unit's reason). */
export interface UnitLimit {
  model: number;
  probeId: string;
  reason: string;
}

const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** What a probe contributes to the memory estimate. */
export function probeSize(plan: CapturePlan, t: TokenizedProbe): ProbeSize {
  const rows = plan.rows ? plan.rows.query_sets.reduce((s, q) => s + querySetPositions(t).get(q)!.length, 0) : 0;
  return { id: t.id, n_tokens: t.input_ids.length, segments: t.segments.length, rowQueries: rows };
}

/**
 * The units over a per-probe limit, each with its reason: a token id outside the model's embedding,
 * more tokens than its positions, or an estimated peak over the memory budget. The others run; the
 * set is refused as a whole only when no unit fits (assertFits, with its suggestion).
 * Example: `unitLimits(plan, [shape], [maxPositions], probes).map((l) => l.reason)`.
 */
export function unitLimits(
  plan: CapturePlan,
  shapes: readonly ModelShape[],
  maxPositions: readonly (number | undefined)[],
  probes: readonly TokenizedProbe[],
): UnitLimit[] {
  const limits: UnitLimit[] = [];
  for (const [model, shape] of shapes.entries()) {
    for (const t of probes) {
      const n = t.input_ids.length;
      const max = maxPositions[model];
      const rows = shape.embeddingRows;
      const bad = rows === null ? -1 : t.input_ids.findIndex((id) => id >= rows);
      let reason: string | null = null;
      if (bad >= 0) reason = `token ${bad} has id ${t.input_ids[bad]}, outside the model's embedding (${rows} rows)`;
      else if (max !== undefined && n > max) reason = `probe has ${n} tokens, more than the model's ${max} positions`;
      else {
        const e = estimatePlan(plan, [shape], [probeSize(plan, t)]);
        if (!e.fits)
          reason = `estimated peak ${gib(e.peakBytes)} at ${n} tokens${shape.cache === false ? ' (no KV cache: one pass)' : ''}, over the memory budget of ${gib(e.budgetBytes)}`;
      }
      if (reason !== null) limits.push({ model, probeId: t.id, reason });
    }
  }
  return limits;
}
