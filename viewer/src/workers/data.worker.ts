/// <reference lib="webworker" />
import { httpRunFiles } from '../data/http-files.ts';
import {
  BatchedCache,
  loadAttentionLayer,
  loadProbeTokens,
  loadRoutingGrid,
  loadSegmentMass,
} from '../data/probe-data.ts';
import { hasTokenTable, loadMetricsTables, loadRunCore, unitOf, type RunIndex } from '../data/run-index.ts';
import { RunDataError } from '../data/run-files.ts';
import type { WorkerRequest, WorkerResponse } from './protocol.ts';

// Arrow decoding happens here, off the main thread; typed arrays go back as transferables.
// The page names the run's base URL in the worker's name (see startDataWorker).
const files = httpRunFiles((self as DedicatedWorkerGlobalScope).name);
const cache = new BatchedCache(files);
let index: Promise<RunIndex> | null = null;

const post = (message: WorkerResponse, transfer: Transferable[] = []) =>
  (self as DedicatedWorkerGlobalScope).postMessage(message, transfer);

function transferables(value: unknown, out: Transferable[] = []): Transferable[] {
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && !out.includes(value.buffer))
    out.push(value.buffer);
  else if (Array.isArray(value)) {
    // Columns of strings are long: look inside arrays only for objects.
    for (const v of value) if (v !== null && typeof v === 'object') transferables(v, out);
  } else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value as Record<string, unknown>)) transferables(v, out);
  return out;
}

async function unit(model: string, probe: string) {
  const u = unitOf(await (index ??= loadRunCore(files)), model, probe);
  if (u === undefined)
    throw new RunDataError(
      'manifest.json',
      `unit ${model}/${probe} is not finished`,
      'Run `acc-lens capture` on the run to finish it.',
    );
  return u;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.method) {
    case 'index':
      return (index ??= loadRunCore(files));
    case 'metrics': {
      const { summary } = await (index ??= loadRunCore(files));
      return summary === null ? {} : loadMetricsTables(files, summary);
    }
    case 'tokens':
      // tokens.arrow exists from run-store 1.1 on; older runs would only log a 404.
      return hasTokenTable((await (index ??= loadRunCore(files))).manifest.schema_version)
        ? loadProbeTokens(cache, req.args.probe)
        : null;
    case 'attention':
      return loadAttentionLayer(cache, await unit(req.args.model, req.args.probe), req.args.layer);
    case 'segmentMass':
      return loadSegmentMass(cache, await unit(req.args.model, req.args.probe), req.args.layer, req.args.head);
    case 'routing':
      return loadRoutingGrid(cache, await unit(req.args.model, req.args.probe), req.args.positions, (done, total) =>
        post({ id: req.id, progress: { done, total } }),
      );
  }
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  try {
    const result = await handle(req);
    // The core index stays cached here too, so its arrays are copied, not moved; the metrics
    // tables are only the page's, so they move.
    post({ id: req.id, ok: true, result }, req.method === 'index' ? [] : transferables(result));
  } catch (error) {
    if (req.method === 'index') index = null;
    const e = error as Error;
    post({
      id: req.id,
      ok: false,
      error: {
        message: e.message,
        file: error instanceof RunDataError ? error.file : null,
        fix: error instanceof RunDataError ? error.fix : null,
      },
    });
  }
};
