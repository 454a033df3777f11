import * as Plot from '@observablehq/plot';
import { describe, expect, it } from 'vitest';
import { topExpertsChart } from '../../../viewer/src/charts/top-experts.ts';
import { MODEL_STYLE } from '../../../viewer/src/charts/theme.ts';
import { topExpertFigure } from '../../../viewer/src/data/routing-top-experts.ts';
import { changeTable, expertGrid, marksData, svgOf } from './routing-fixtures.ts';

const models = { base: 'base', tuned: 'tuned' };
const freq = (m: string, f: string, l: number, e: number) =>
  m === 'tuned' ? (e === (3 * l + (f === 'b' ? 1 : 0)) % 16 ? 0.3 : e % 5 === 0 ? 0.1 : 0.01) : 0.02 + 0.001 * e;
const experts = expertGrid(['base', 'tuned'], ['all', 'a', 'b'], 4, 16, freq);
const change = changeTable(
  ['a', 'b'].flatMap((family) =>
    [2, 1, 3, 0].map((layer, rank) => ({
      family,
      layer,
      measure: 'selections',
      js_bits: 0.5 - rank / 10,
      rank_select: rank,
    })),
  ),
);
const fig = topExpertFigure(experts, change, { models, n: 4, nProbes: { a: 5, b: 5 } });
const size = { width: 500, height: 320, fontSize: 7 };

type Point = {
  family: string;
  layer: number;
  slot: number;
  expert: number;
  base: number;
  tuned: number;
  column: number;
};

describe('topExpertsChart', () => {
  it('plots, per family and most-changed layer, the table frequency of the tuned top-N for both models', () => {
    const spec = topExpertsChart(fig, size);
    const [baseDots, tunedDots] = marksData<Point>(spec, Plot.Dot);
    expect(baseDots).toHaveLength(2 * 3 * 4);
    for (const p of tunedDots!) {
      expect(p.tuned).toBeCloseTo(freq('tuned', p.family, p.layer, p.expert), 6);
      expect(p.base).toBeCloseTo(freq('base', p.family, p.layer, p.expert), 6);
    }
    const dots = spec.plot.marks.filter((m) => m instanceof Plot.Dot) as unknown as {
      channels: { y: { value: string } };
    }[];
    expect(dots.map((d) => d.channels.y.value)).toEqual(['base', 'tuned']);
  });

  it('experts are placed in tuned rank order, the favourite first, in the layers ranked on the selection half', () => {
    const points = marksData<Point>(topExpertsChart(fig, size), Plot.Dot)[1]!;
    const a = points.filter((p) => p.family === 'a' && p.column === 0);
    expect(a.every((p) => p.layer === 2)).toBe(true);
    expect(a.map((p) => p.expert)).toEqual([6, 0, 5, 10]); // 0.3, then the 0.1 experts by id
    expect(a.map((p) => p.slot)).toEqual([0, 1, 2, 3]);
    const columns = [...new Set(points.filter((p) => p.family === 'b').map((p) => `${p.column}:${p.layer}`))];
    expect(columns).toEqual(['0:2', '1:1', '2:3']);
  });

  it('each panel is headed by its layer and JS, and the expert ids sit under the points', () => {
    const spec = topExpertsChart(fig, size);
    const svg = svgOf(spec);
    expect(svg).toContain('L2 · JS 0.50');
    expect(svg).toContain('L3 · JS 0.30');
    const ids = marksData<Point>(spec, Plot.Text)[0]!.map((p) => p.expert);
    expect(ids).toEqual(marksData<Point>(spec, Plot.Dot)[1]!.map((p) => p.expert));
  });

  it('states the sample size and the selection rule, marks uniform 1/E, and styles base dashed and tuned solid', () => {
    const spec = topExpertsChart(fig, size, { selectOn: 'half' });
    expect(spec.subtitle).toContain('n = 5 probes per family');
    expect(spec.subtitle).toContain('selection half');
    expect(topExpertsChart(fig, size, { selectOn: 'none' }).subtitle).toContain('post hoc');
    expect(marksData<number>(spec, Plot.RuleY)[0]).toEqual([1 / 16]);
    expect(spec.legend).toEqual({
      kind: 'swatches',
      items: [
        { label: 'base', color: MODEL_STYLE.base.color, dash: MODEL_STYLE.base.dash },
        { label: 'tuned', color: MODEL_STYLE.tuned.color, dash: null },
        { label: 'uniform 1/16', color: expect.any(String), dash: '1,2' },
      ],
    });
    expect(svgOf(spec)).toContain('Top-4 experts of the most-changed layers');
  });

  it('a picked point selects its family, layer and expert', () => {
    const spec = topExpertsChart(fig, size);
    const p = marksData<Point>(spec, Plot.Dot)[1]![0]!;
    expect(spec.pick!(p)).toEqual({ family: 'a', layer: 2, expert: 6 });
  });
});
