import type { UnitTables } from '../io/run-writer.ts';
import { accumulateChunk, captureFetches, newAccumulator } from './accumulate.ts';
import type { ChunkSelection, ProbeFeeds } from './chunk-feeds.ts';
import { encodeUnit } from './encode-unit.ts';
import { chunkSizeFor, type CapturePlan } from './plan.ts';
import type { ReducedLayout } from './reduce-graph.ts';
import type { ModelSession } from './session.ts';

/**
 * Runs one probe through one instrumented model in chunks and returns its unit tables; only the
 * reductions' small outputs cross into JavaScript. `onChunk` gets the tokens done so far.
 * Example: `await run.writeUnit('base', id, await captureUnit(session, layout, probeFeeds(p, plan), plan))`.
 */
export async function captureUnit(
  session: ModelSession,
  layout: ReducedLayout,
  pf: ProbeFeeds,
  plan: CapturePlan,
  onChunk?: (tokensDone: number) => void,
): Promise<UnitTables> {
  const acc = newAccumulator();
  const selections = new Map<number, ChunkSelection>();
  const n = pf.probe.input_ids.length;
  await session.prefill(pf.probe.input_ids, {
    chunkSize: session.contract.cache ? chunkSizeFor(plan, n) : n, // no KV cache: one pass over the whole probe
    fetch: captureFetches(layout, plan),
    feeds: (c) => {
      const { feeds, selection } = pf.feeds(c.start, c.length, layout);
      selections.set(c.index, selection);
      return feeds;
    },
    onChunk: (c) => {
      accumulateChunk(acc, c.outputs, selections.get(c.index)!, c.start, layout, plan, n);
      selections.delete(c.index);
      onChunk?.(c.start + c.length);
    },
  });
  return encodeUnit(acc, pf, plan);
}
