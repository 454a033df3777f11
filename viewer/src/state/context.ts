import { getContext, setContext } from 'svelte';
import type { RunIndex } from '../data/run-index.ts';
import type { ProbeMeta } from '../data/probe-meta.ts';
import type { RunState } from './run.svelte.ts';
import type { Selection } from './selection.svelte.ts';

export interface ViewerContext {
  selection: Selection;
  run: RunState;
  /** The loaded index and its probes (views render only once the index is ready). */
  index: () => RunIndex;
  probes: () => ProbeMeta[];
}

const KEY = Symbol('acc-lens viewer');

export const setViewer = (ctx: ViewerContext): ViewerContext => setContext(KEY, ctx);
export const viewer = (): ViewerContext => getContext<ViewerContext>(KEY);
