import * as Plot from '@observablehq/plot';
import { describe, expect, it } from 'vitest';
import { agreementChart } from '../../../viewer/src/charts/agreement.ts';
import { routingAgreement } from '../../../viewer/src/data/routing-agreement.ts';
import { agreementTable, marksData, svgOf } from './routing-fixtures.ts';

const rows = [2, 0, 1].flatMap((layer) =>
  ['all', 'evidence', 'other'].flatMap((token_set) =>
    ['all', 'f'].map((family) => ({
      family,
      layer,
      token_set,
      top1_match: layer === 1 ? (token_set === 'evidence' ? 0.25 : 0.5) : 1,
      jaccard: layer === 1 ? (token_set === 'evidence' ? 0.375 : 0.625) : 1,
      n_tokens: token_set === 'evidence' ? 1200 : 9000,
    })),
  ),
);
const cols = agreementTable(rows);
type Datum = { measure: string; set: string; layer: number; x: number; value: number; lo: number; hi: number };

describe('routingAgreement', () => {
  it('routingAgreement() gives evidence then other tokens, by layer, of one family', () => {
    const d = routingAgreement(cols, { family: 'f' });
    expect(d.points.map((p) => `${p.tokenSet}:${p.layer}`)).toEqual([
      'evidence:0',
      'evidence:1',
      'evidence:2',
      'other:0',
      'other:1',
      'other:2',
    ]);
    expect(d.points[1]!.top1).toEqual({ value: 0.25, lo: expect.closeTo(0.15, 6), hi: expect.closeTo(0.3, 6) });
    expect(d.points[4]!.jaccard.value).toBe(0.625);
    expect([d.nLayers, d.points[0]!.nTokens, d.points[0]!.nProbes]).toEqual([3, 1200, 6]);
  });

  it('routingAgreement({ tokenSets }) reads the asked token sets', () => {
    expect(routingAgreement(cols, { family: 'all', tokenSets: ['all'] }).points).toHaveLength(3);
  });
});

describe('agreementChart', () => {
  const d = routingAgreement(cols, { family: 'f' });
  const size = { width: 500, height: 220, fontSize: 7 };

  it('plots top-1 match and top-k Jaccard per layer with the table values and CIs', () => {
    const spec = agreementChart(d, size, { alpha: 0.05 });
    const bars = marksData<Datum>(spec, Plot.RuleX)[0]!;
    const at = (measure: string, set: string, layer: number) =>
      bars.find((b) => b.measure === measure && b.set === set && b.layer === layer)!;
    expect(at('top-1 match', 'evidence', 1).value).toBe(0.25);
    expect(at('top-k Jaccard', 'other', 1).value).toBe(0.625);
    expect(at('top-k Jaccard', 'other', 1).hi).toBeCloseTo(0.675, 6);
    expect(at('top-1 match', 'evidence', 1).x).toBeLessThan(at('top-1 match', 'other', 1).x);
    const dots = marksData<Datum>(spec, Plot.Dot);
    expect(dots.map((m) => m[0]!.set)).toEqual(['evidence', 'other']);
    expect(dots.flat()).toHaveLength(12);
  });

  it('subtitle names the pair, family, probes, token counts and CI level; legend tells the token sets apart by dash', () => {
    const spec = agreementChart(d, size, { alpha: 0.05, models: { base: 'B', tuned: 'T' } });
    expect(spec.subtitle).toBe(
      'B vs T, family f; n = 6 probes, 1,200 evidence / 9,000 other tokens per layer; 95 % bootstrap CIs',
    );
    expect(spec.legend?.kind === 'swatches' && spec.legend.items.map((i) => [i.label, i.dash])).toEqual([
      ['evidence tokens', null],
      ['other tokens', '4,2'],
    ]);
    const svg = svgOf(spec);
    expect(svg).toContain('top-1 match');
    expect(svg).toContain('agreement (share)');
  });
});
