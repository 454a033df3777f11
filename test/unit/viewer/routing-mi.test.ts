import * as Plot from '@observablehq/plot';
import { describe, expect, it } from 'vitest';
import { miLayersChart } from '../../../viewer/src/charts/mi-layers.ts';
import { miLayers, type MiPoint } from '../../../viewer/src/data/routing-mi.ts';
import { marksData, miTable, svgOf } from './routing-fixtures.ts';

const models = { base: 'base', tuned: 'tuned' };
// Rows deliberately out of layer order; tuned layer 1 reaches the log2(4) = 2 bits ceiling.
const cols = miTable([
  { model: 'tuned', layer: 1, measure: 'selections', mi_bits: 1.9, null_mean_bits: 0.4 },
  { model: 'base', layer: 1, measure: 'selections', mi_bits: 0.1, null_mean_bits: 0.02 },
  { model: 'base', layer: 0, measure: 'selections', mi_bits: 0.05, null_mean_bits: 0.01 },
  { model: 'tuned', layer: 0, measure: 'selections', mi_bits: 0.05, null_mean_bits: 0.01 },
  { model: 'tuned', layer: 1, measure: 'top1', mi_bits: 1.5, null_mean_bits: 0.3 },
  { model: 'base', layer: 1, measure: 'top1', mi_bits: 0.2, null_mean_bits: 0.03 },
]);
const size = { width: 240, height: 170, fontSize: 7 };
type Datum = MiPoint & { model: string; x: number };

describe('miLayers', () => {
  it('miLayers() gives each model its layers in order, for the asked measure only', () => {
    const d = miLayers(cols, { models, measure: 'selections', nProbes: 20, nFamilies: 4 });
    expect(d.base.map((p) => p.layer)).toEqual([0, 1]);
    expect(d.tuned.map((p) => p.value).map((v) => Math.round(v * 100) / 100)).toEqual([0.05, 1.9]);
    expect(d.tuned[1]).toMatchObject({ nPermutations: 500 });
    expect(d.tuned[1]!.nullMean).toBeCloseTo(0.4, 6);
    expect(d.tuned[1]!.lo).toBeCloseTo(1.85, 6);
    const top1 = miLayers(cols, { models, measure: 'top1' });
    expect(top1.base.map((p) => p.layer)).toEqual([1]);
    expect([top1.nProbes, top1.nFamilies, top1.nLayers]).toEqual([null, null, 2]);
  });
});

describe('miLayersChart', () => {
  const d = miLayers(cols, { models, measure: 'selections', nProbes: 20, nFamilies: 4 });

  it('points, error bars and null lines carry the table values, base and tuned nudged apart', () => {
    const spec = miLayersChart(d, size);
    const [baseDots, tunedDots] = marksData<Datum>(spec, Plot.Dot);
    expect(baseDots!.map((p) => p.value)).toEqual(d.base.map((p) => p.value));
    expect(tunedDots!.map((p) => p.layer)).toEqual([0, 1]);
    tunedDots!.forEach((p) => expect(p.x).toBeCloseTo(p.layer + 0.14, 9));
    expect(baseDots!.every((p) => p.x < p.layer)).toBe(true);
    const bars = marksData<Datum>(spec, Plot.RuleX)[0]!;
    expect(bars.map((b) => [b.lo, b.hi])).toEqual([...d.base, ...d.tuned].map((p) => [p.lo, p.hi]));
    const lines = spec.plot.marks.filter((m) => m instanceof Plot.Line) as unknown as {
      data: Datum[];
      channels: { y: { value: string } };
    }[];
    const nulls = lines.filter((l) => l.channels.y.value === 'nullMean').map((l) => l.data.map((p) => p.nullMean));
    expect(nulls).toEqual([d.base.map((p) => p.nullMean), d.tuned.map((p) => p.nullMean)]);
  });

  it('the log2(F) ceiling is drawn when it is inside the plotted range and left out when it would flatten the data', () => {
    const spec = miLayersChart(d, size);
    expect(marksData<number>(spec, Plot.RuleY)[0]).toEqual([2]);
    expect(svgOf(spec)).toContain('max 2.00');
    const low = miLayers(cols, { models, measure: 'selections', nFamilies: 64 });
    expect(marksData(miLayersChart(low, size), Plot.RuleY)).toHaveLength(0);
  });

  it('subtitle states the measure, n probes, CI level and permutations; marked layers are shaded', () => {
    const spec = miLayersChart(d, size, { alpha: 0.05, marked: { layers: [1, 9], label: 'selected' } });
    expect(spec.subtitle).toContain('n = 20 probes');
    expect(spec.subtitle).toContain('95 % bootstrap CIs');
    expect(spec.subtitle).toContain('500 shuffles');
    expect(marksData<number>(spec, Plot.Rect)[0]).toEqual([1]); // layer 9 is not in the run
    expect(spec.legend?.kind === 'swatches' && spec.legend.items.map((i) => i.label)).toEqual([
      'base',
      'tuned',
      'base null',
      'tuned null',
      'selected',
    ]);
    expect(miLayersChart(miLayers(cols, { models, measure: 'top1' }), size).id).toBe('mi-layers-top1');
  });

  it('above 16 layers the CIs become bands and the markers go, with the same values', () => {
    const many = miTable(
      ['base', 'tuned'].flatMap((model) =>
        Array.from({ length: 48 }, (_, layer) => ({
          model,
          layer,
          measure: 'selections',
          mi_bits: model === 'tuned' && layer === 20 ? 0.6 : 0.1,
          null_mean_bits: 0.02,
        })),
      ),
    );
    const spec = miLayersChart(miLayers(many, { models, measure: 'selections' }), size);
    expect(marksData(spec, Plot.Dot)).toHaveLength(0);
    expect(marksData(spec, Plot.RuleX)).toHaveLength(0);
    const band = marksData<Datum>(spec, Plot.Area)[0]!;
    expect(band).toHaveLength(96);
    const peak = band.find((p) => p.model === 'tuned' && p.layer === 20)!;
    expect([peak.x, peak.lo, peak.hi].map((v) => Math.round(v * 100) / 100)).toEqual([20, 0.55, 0.65]);
  });
});
