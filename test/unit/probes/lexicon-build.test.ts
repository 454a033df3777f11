import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import LEXICON from '../../../analysis/probes/lexicon.json' with { type: 'json' };
import { buildLexicons } from '../../../analysis/probes/lexicon-build.ts';
import { defaultTokenizerDir, loadTokenizer } from '../../../analysis/tokenize/load.ts';

describe('buildLexicons', () => {
  it('rebuilds the committed lexicon.json from the Qwen3 vocabulary word for word', () => {
    const json = JSON.parse(readFileSync(join(defaultTokenizerDir(), 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
    };
    const built = buildLexicons(loadTokenizer(), json.model.vocab);
    expect(built.key).toEqual(LEXICON.key);
    expect(built.filler).toEqual(LEXICON.filler);
    expect(new Set(built.key).size + new Set(built.filler).size).toBe(new Set([...built.key, ...built.filler]).size);
  });
});
