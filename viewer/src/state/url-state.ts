/**
 * The viewer's whole state as URL search parameters, so a view can be reloaded, bookmarked and
 * shared. Pure: no DOM (tested in Node).
 */
export const VIEWS = ['overview', 'attention', 'experts', 'probes'] as const;
export type View = (typeof VIEWS)[number];

export interface ViewState {
  view: View;
  family: string;
  querySet: string;
  metric: string;
  gridScale: 'log' | 'linear';
  layer: number | null;
  head: number | null;
  expert: number | null;
  probe: string | null;
  /** Query position of the strip; null = mean over the query set's rows. */
  queryPos: number | null;
  window: { start: number; end: number } | null;
  stripScale: 'mass' | 'row' | 'sqrt';
  excludeSink: boolean;
  usage: 'frequency' | 'gate_usage' | 'top1_frequency';
  /** Probe table sort: column and direction. */
  sort: string;
}

export const DEFAULT_STATE: ViewState = {
  view: 'overview',
  family: 'all',
  querySet: 'answer',
  metric: 'evidence_lift',
  gridScale: 'log',
  layer: null,
  head: null,
  expert: null,
  probe: null,
  queryPos: null,
  window: null,
  stripScale: 'mass',
  excludeSink: false,
  usage: 'frequency',
  sort: '-lift_delta',
};

const int = (v: string | null): number | null => (v !== null && /^-?\d+$/.test(v) ? Number(v) : null);
const oneOf = <T extends string>(v: string | null, options: readonly T[], fallback: T): T =>
  v !== null && (options as readonly string[]).includes(v) ? (v as T) : fallback;

/** Reads state from search parameters; anything missing or malformed keeps its default. */
export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const w = q.get('w')?.match(/^(\d+)-(\d+)$/);
  return {
    view: oneOf(q.get('view'), VIEWS, DEFAULT_STATE.view),
    family: q.get('family') ?? DEFAULT_STATE.family,
    querySet: q.get('qs') ?? DEFAULT_STATE.querySet,
    metric: q.get('metric') ?? DEFAULT_STATE.metric,
    gridScale: oneOf(q.get('scale'), ['log', 'linear'] as const, DEFAULT_STATE.gridScale),
    layer: int(q.get('layer')),
    head: int(q.get('head')),
    expert: int(q.get('expert')),
    probe: q.get('probe'),
    queryPos: int(q.get('q')),
    window: w ? { start: Number(w[1]), end: Math.max(Number(w[1]) + 1, Number(w[2])) } : null,
    stripScale: oneOf(q.get('strip'), ['mass', 'row', 'sqrt'] as const, DEFAULT_STATE.stripScale),
    excludeSink: q.get('nosink') === '1',
    usage: oneOf(q.get('usage'), ['frequency', 'gate_usage', 'top1_frequency'] as const, DEFAULT_STATE.usage),
    sort: q.get('sort') ?? DEFAULT_STATE.sort,
  };
}

/** Writes the non-default parts of the state as search parameters (stable order). */
export function formatState(s: ViewState): string {
  const q = new URLSearchParams();
  const put = (key: string, value: string | number | null, fallback: string | number | null) => {
    if (value !== null && value !== fallback) q.set(key, String(value));
  };
  put('view', s.view, DEFAULT_STATE.view);
  put('family', s.family, DEFAULT_STATE.family);
  put('qs', s.querySet, DEFAULT_STATE.querySet);
  put('metric', s.metric, DEFAULT_STATE.metric);
  put('scale', s.gridScale, DEFAULT_STATE.gridScale);
  put('layer', s.layer, null);
  put('head', s.head, null);
  put('expert', s.expert, null);
  put('probe', s.probe, null);
  put('q', s.queryPos, null);
  if (s.window !== null) q.set('w', `${s.window.start}-${s.window.end}`);
  put('strip', s.stripScale, DEFAULT_STATE.stripScale);
  if (s.excludeSink) q.set('nosink', '1');
  put('usage', s.usage, DEFAULT_STATE.usage);
  put('sort', s.sort, DEFAULT_STATE.sort);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}
