import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TASK_FAMILIES } from '../../analysis/probes/families.ts';
import { referencePairFiles } from '../../models/reference/pair-files.ts';
import { retrievalGainDims } from '../../models/reference/attention.ts';
import { PLANT, RESIDUAL, rangeIndices } from '../../models/reference/layout.ts';
import type { LayerWeights } from '../../models/weights.ts';
import { referencePair, tokenizerConfig, tokenizerJson } from './reference-fixture.ts';

function fileHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of referencePairFiles({ json: tokenizerJson(), config: tokenizerConfig() })) {
    out[f.name] = createHash('sha256').update(f.bytes).digest('hex');
  }
  return out;
}

/** Indices where two arrays differ (bitwise, via their float values). */
function differing(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

describe('acc-lens models build (referencePairFiles)', () => {
  it('gives the same bytes twice (sha256 of every file)', () => {
    const first = fileHashes();
    const second = fileHashes();
    expect(Object.keys(first)).toEqual([
      'base.unfused.onnx',
      'base.fused.onnx',
      'tuned.unfused.onnx',
      'tuned.fused.onnx',
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'ground-truth.json',
      'build-info.json',
    ]);
    expect(second).toEqual(first);
    expect(first['base.fused.onnx']).not.toEqual(first['tuned.fused.onnx']);
  }, 120_000);
});

describe('the tuned model differs from base only where planted', () => {
  const { base, tuned } = referencePair();
  const H = base.config.hidden_size;
  const same = (name: keyof LayerWeights, L: number) =>
    differing(base.layers[L]![name] as Float32Array, tuned.layers[L]![name] as Float32Array);

  it('shares the embedding and final norm', () => {
    expect(tuned.embed).toBe(base.embed);
    expect(differing(base.finalNorm, tuned.finalNorm)).toEqual([]);
  });

  it('differs in q_norm only on the retrieval dims of the retrieval layers', () => {
    const planted = new Set<number>(PLANT.retrievalHeads.map((h) => h.layer));
    for (let L = 0; L < base.layers.length; L++) {
      const diff = same('qNorm', L);
      if (planted.has(L)) expect(diff.sort((a, b) => a - b)).toEqual([...retrievalGainDims()].sort((a, b) => a - b));
      else expect(diff).toEqual([]);
      for (const name of ['qProj', 'kProj', 'vProj', 'oProj', 'kNorm', 'inputNorm', 'postNorm'] as const)
        expect(same(name, L)).toEqual([]);
    }
  });

  it('differs in experts only in the copy units (0..29) of the family experts of the routed layers', () => {
    const I = base.config.moe_intermediate_size;
    const copyUnits = rangeIndices(RESIDUAL.COPY).length;
    const subsets = referencePair().expertSubsets;
    for (let L = 0; L < base.layers.length; L++) {
      const planted = new Set(Object.values(subsets.get(L) ?? {}).flat());
      base.layers[L]!.experts.forEach((e, j) => {
        for (const part of ['gate', 'up', 'down'] as const) {
          const diff = differing(e[part], tuned.layers[L]!.experts[j]![part]);
          if (!planted.has(j)) expect(diff, `L${L} expert ${j} ${part}`).toEqual([]);
          else {
            expect(diff.length).toBeGreaterThan(0);
            const unit = (i: number) => (part === 'down' ? i % I : Math.floor(i / H));
            expect(diff.every((i) => unit(i) < copyUnits)).toBe(true);
          }
        }
      });
      expect(planted.size).toBe((PLANT.routedLayers as readonly number[]).includes(L) ? 15 : 0);
    }
  });

  it("the final norm reads only OUT, where the embedding repeats each token's code", () => {
    const out = new Set(rangeIndices(RESIDUAL.OUT));
    base.finalNorm.forEach((g, i) => expect(g, `dim ${i}`).toBe(out.has(i) ? Math.fround(PLANT.outGain) : 0));
    const code = rangeIndices(RESIDUAL.CODE);
    for (const t of [0, 17, 151_000])
      rangeIndices(RESIDUAL.OUT).forEach((d, i) => expect(base.embed[t * H + d]).toBe(base.embed[t * H + code[i]!]));
  });

  it('differs in routers only on the family subspace of the routed layers, and base reads none of it', () => {
    const familyCols = new Set(rangeIndices(RESIDUAL.FAMILY));
    for (let L = 0; L < base.layers.length; L++) {
      const diff = same('router', L);
      if ((PLANT.routedLayers as readonly number[]).includes(L)) {
        expect(diff.length).toBe(TASK_FAMILIES.length * PLANT.expertsPerFamily);
        expect(diff.every((i) => familyCols.has(i % H))).toBe(true);
      } else {
        expect(diff).toEqual([]);
      }
      const router = base.layers[L]!.router;
      for (let e = 0; e < base.config.num_experts; e++) for (const c of familyCols) expect(router[e * H + c]).toBe(0);
    }
  });
});
