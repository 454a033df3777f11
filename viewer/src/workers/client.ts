import type { DataRequests, Method, WorkerRequest, WorkerResponse } from './protocol.ts';

/** A failure the worker reported, with the run file and the fix when it knows them. */
export class ViewerDataError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
    readonly fix: string | null,
  ) {
    super(message);
  }
}

/** The page's side of the data worker: one promise per request, progress callbacks for long reads. */
export class DataClient {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (done: number, total: number) => void }
  >();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
      const msg = event.data;
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      if ('progress' in msg) return p.progress?.(msg.progress.done, msg.progress.total);
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ViewerDataError(msg.error.message, msg.error.file, msg.error.fix));
    };
  }

  call<M extends Method>(
    method: M,
    args: DataRequests[M]['args'],
    progress?: (done: number, total: number) => void,
  ): Promise<DataRequests[M]['result']> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      this.worker.postMessage({ id, method, args } as WorkerRequest);
    });
  }
}

/** Starts the worker for the run served under `runBase` (e.g. `http://127.0.0.1:8765/run/`). */
export function startDataWorker(runBase: string): DataClient {
  return new DataClient(new Worker(new URL('./data.worker.ts', import.meta.url), { type: 'module', name: runBase }));
}
