import type { RunIndex } from '../data/run-index.ts';
import type { AttentionLayer, ProbeTokens, RoutingGrid, SegmentMass } from '../data/probe-data.ts';
import { ViewerDataError, type DataClient } from '../workers/client.ts';

export interface PageError {
  message: string;
  file: string | null;
  fix: string | null;
}

const asPageError = (e: unknown): PageError =>
  e instanceof ViewerDataError
    ? { message: e.message, file: e.file, fix: e.fix }
    : { message: String((e as Error)?.message ?? e), file: null, fix: null };

/** A request's state as the page shows it. */
export type Loadable<T> =
  { status: 'loading'; progress?: number } | { status: 'ready'; value: T } | { status: 'error'; error: PageError };

/**
 * The opened run: its index (decoded once, in the worker) and per-probe data loaded on demand,
 * cached by key. Big arrays are kept as raw state (never deep-proxied).
 */
export class RunState {
  index: Loadable<RunIndex> = $state.raw({ status: 'loading' });
  private readonly cache = new Map<string, Loadable<unknown>>();
  private version = $state(0);

  constructor(readonly client: DataClient) {
    client.call('index', {}).then(
      (value) => (this.index = { status: 'ready', value }),
      (e) => (this.index = { status: 'error', error: asPageError(e) }),
    );
  }

  private load<T>(key: string, start: (progress: (done: number, total: number) => void) => Promise<T>): Loadable<T> {
    void this.version;
    const hit = this.cache.get(key) as Loadable<T> | undefined;
    if (hit !== undefined) return hit;
    const entry: Loadable<T> = { status: 'loading' };
    this.cache.set(key, entry);
    start((done, total) => {
      this.cache.set(key, { status: 'loading', progress: done / total });
      this.version++;
    }).then(
      (value) => {
        this.cache.set(key, { status: 'ready', value });
        this.version++;
      },
      (e) => {
        this.cache.set(key, { status: 'error', error: asPageError(e) });
        this.version++;
      },
    );
    return entry;
  }

  tokens(probe: string): Loadable<ProbeTokens | null> {
    return this.load(`tokens/${probe}`, () => this.client.call('tokens', { probe }));
  }

  attention(model: string, probe: string, layer: number): Loadable<AttentionLayer | null> {
    return this.load(`attention/${model}/${probe}/${layer}`, () =>
      this.client.call('attention', { model, probe, layer }),
    );
  }

  segmentMass(model: string, probe: string, layer: number, head: number): Loadable<SegmentMass | null> {
    return this.load(`segments/${model}/${probe}/${layer}/${head}`, () =>
      this.client.call('segmentMass', { model, probe, layer, head }),
    );
  }

  routing(model: string, probe: string, positions: number): Loadable<RoutingGrid | null> {
    return this.load(`routing/${model}/${probe}`, (progress) =>
      this.client.call('routing', { model, probe, positions }, progress),
    );
  }
}
