import { captureUnit } from './capture-unit.ts';
import { probeFeeds } from './chunk-feeds.ts';
import type { InstrumentedModel } from './instrument.ts';
import type { CapturePlan } from './plan.ts';
import type { CaptureProbe } from './query-sets.ts';
import type { ModelSession } from './session.ts';

// 5 tokens in chunks of 3: the second chunk has past 3 and 2 new tokens, what a decode-only export cannot run.
const SMOKE: CaptureProbe = {
  id: 'acc-lens-chunk-check',
  input_ids: Int32Array.of(1, 2, 3, 4, 5),
  prompt_tokens: 4,
  answer_span: { start: 4, end: 5 },
  segments: [],
};

/**
 * Runs a 5-token probe through the instrumented graph in chunks of 3 before any unit, so a graph that
 * cannot run chunked prefill (a causal mask built for past = 0, a decode-only export) is refused with
 * E_ONNX_CONTRACT and a fix before the run folder holds anything. A model without a KV cache runs one
 * pass and needs no check. Example: `await checkChunkedPrefill(session, inst, plan)`.
 */
export async function checkChunkedPrefill(
  session: ModelSession,
  model: InstrumentedModel,
  plan: CapturePlan,
): Promise<void> {
  if (!session.contract.cache) return;
  const p: CapturePlan = { ...plan, chunk_size: 3 };
  await captureUnit(session, model.layout, probeFeeds(SMOKE, p), p);
}
