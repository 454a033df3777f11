import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, formatState, parseState } from '../../../viewer/src/state/url-state.ts';

describe('url-state', () => {
  it('formatState → parseState restores every field', () => {
    const s = {
      ...DEFAULT_STATE,
      view: 'attention' as const,
      family: 'mrcr',
      layer: 1,
      head: 0,
      expert: 7,
      probe: 'mrcr/0001 a',
      queryPos: 1003,
      window: { start: 120, end: 980 },
      stripScale: 'row' as const,
      excludeSink: true,
      usage: 'gate_usage' as const,
      gridScale: 'linear' as const,
      sort: 'tokens',
    };
    expect(parseState(formatState(s))).toEqual(s);
  });

  it('the default state is the empty query, and layer 0 / head 0 are written (0 is not "unset")', () => {
    expect(formatState(DEFAULT_STATE)).toBe('');
    expect(formatState({ ...DEFAULT_STATE, layer: 0, head: 0 })).toBe('?layer=0&head=0');
  });

  it('malformed values fall back to defaults instead of breaking the page', () => {
    const s = parseState('?view=nope&layer=x&w=9-3&strip=huge&q=1.5');
    expect(s.view).toBe('overview');
    expect(s.layer).toBeNull();
    expect(s.window).toEqual({ start: 9, end: 10 });
    expect(s.stripScale).toBe('mass');
    expect(s.queryPos).toBeNull();
  });
});
