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

/** One cached request's state: its own signal, so a change re-runs only what reads this request. */
class Slot<T> {
  current: Loadable<T> = $state.raw({ status: 'loading' });
}

/**
 * The opened run: its index (decoded once, in the worker) and per-probe data loaded on demand,
 * cached by key. Big arrays are kept as raw state (never deep-proxied), and each request has its
 * own signal: a progress tick of the routing read redraws its progress bar, not every chart.
 */
export class RunState {
  /** The run's core (manifest, summary, probe set): the Overview draws from it alone. */
  index: Loadable<RunIndex> = $state.raw({ status: 'loading' });
  /** The metrics tables, asked for once the core is in (an empty set for a run without metrics). */
  metrics: Loadable<RunIndex['metrics']> = $state.raw({ status: 'loading' });
  private readonly slots = new Map<string, Slot<unknown>>();
  private readonly starting = new Set<string>();
  /** Bumped when requests start, for the readers that asked for them before their slot existed. */
  private started = $state(0);

  /** `overviewFirst`: whether the page opens on the Overview, which draws before the tables are asked for. */
  constructor(
    readonly client: DataClient,
    overviewFirst: () => boolean = () => false,
  ) {
    const tables = () =>
      client.call('metrics', {}).then(
        (value) => (this.metrics = { status: 'ready', value }),
        (e) => (this.metrics = { status: 'error', error: asPageError(e) }),
      );
    client.call('index', {}).then(
      (value) => {
        this.index = { status: 'ready', value };
        // After the Overview's first paint, so taking in the tables does not hold it back; at once
        // for the other views, which wait for them.
        if (overviewFirst()) requestAnimationFrame(() => setTimeout(tables));
        else void tables();
      },
      (e) => (this.index = { status: 'error', error: asPageError(e) }),
    );
  }

  private load<T>(key: string, start: (progress: (done: number, total: number) => void) => Promise<T>): Loadable<T> {
    const hit = this.slots.get(key) as Slot<T> | undefined;
    if (hit !== undefined) return hit.current;
    void this.started;
    // Views ask while deriving what they show, where no state may be written and state made there
    // would not be tracked by its reader: the slot is made, and the request sent, just after.
    if (!this.starting.has(key)) {
      this.starting.add(key);
      queueMicrotask(() => {
        const slot = new Slot<T>();
        this.slots.set(key, slot as Slot<unknown>);
        this.starting.delete(key);
        this.started++;
        start((done, total) => (slot.current = { status: 'loading', progress: done / total })).then(
          (value) => (slot.current = { status: 'ready', value }),
          (e) => (slot.current = { status: 'error', error: asPageError(e) }),
        );
      });
    }
    return { status: 'loading' };
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
