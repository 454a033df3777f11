import { describe, expect, it } from 'vitest';
import { openModel } from '../../analysis/capture/session.ts';
import { familyHeader } from '../../analysis/probes/families.ts';
import { createRng } from '../../analysis/stats/rng.ts';
import { loadTokenizer } from '../../analysis/tokenize/load.ts';
import { DEFAULT_PAIR_DIR, pairModelPath } from '../../analysis/io/reference-pair.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import { PAIR_FORMS, PAIR_MODELS } from '../../models/reference/pair-files.ts';
import { decoderFeeds, maxAbsDiff } from '../unit/onnx/tiny-model.ts';
import { fillerSampler, referencePair } from './reference-fixture.ts';

describe('reference pair: unfused = fused = TypeScript oracle', () => {
  const pair = referencePair();
  const filler = fillerSampler(pair, createRng(21));
  const ids = [...loadTokenizer().encode(familyHeader('acc_sql')), ...Array.from({ length: 20 }, filler)];

  for (const model of PAIR_MODELS) {
    it(`${model}: logits of both built graphs match the oracle within 1e-4 (${ids.length} tokens)`, async () => {
      const oracle = oracleForward(pair[model], ids).logits;
      for (const form of PAIR_FORMS) {
        const session = await openModel(pairModelPath(DEFAULT_PAIR_DIR, model, form), { ep: 'cpu' });
        try {
          const out = await session.run(decoderFeeds(pair[model].config, ids), ['logits']);
          expect(out.logits!.dims).toEqual([1, ids.length, pair[model].config.vocab_size]);
          expect(maxAbsDiff(out.logits!.data as Float32Array, oracle), `${model}.${form}`).toBeLessThan(1e-4);
        } finally {
          await session.close();
        }
      }
    }, 120_000);
  }
});
