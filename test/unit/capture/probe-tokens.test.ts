import { describe, expect, it } from 'vitest';
import { ArrowFileHandle, openRun, readTable, RunWriter } from '../../../analysis/io/index.ts';
import { probeTokensBatch, tokenCharSpans } from '../../../analysis/capture/probe-tokens.ts';
import { decodeTable, META, TOKENS } from '../../../analysis/schema/index.ts';
import { loadTokenizer } from '../../../analysis/tokenize/load.ts';
import { tokenizeProbe } from '../../../analysis/tokenize/tokenize-probe.ts';
import { PROBE_IDS, probeSet, probeTokens, runInit, tempDir } from '../io/fixtures.ts';
import type { Probe } from '../../../analysis/probes/schema.ts';

describe('tokenCharSpans', () => {
  it('gives each token the characters whose first byte it holds (ASCII, 2-byte é, 4-byte emoji split in two)', () => {
    // "aé😀b": bytes a=0, é=1..2, 😀=3..6 (UTF-16 indices 2..3), b=7; tokens: [a][é][😀 first half][😀 second half][b]
    const spans = tokenCharSpans('aé😀b', Int32Array.from([0, 1, 3, 5, 7, 8]));
    expect(Array.from(spans.start)).toEqual([0, 1, 2, 4, 4]);
    expect(Array.from(spans.end)).toEqual([1, 2, 4, 4, 5]);
  });
});

describe('probeTokensBatch', () => {
  it('concatenated token text equals the probe text, positions count up, ids are the model input', () => {
    const tokenizer = loadTokenizer();
    const probe = {
      id: 'p1',
      family: 'mrcr',
      source: 'test',
      text: 'Where is the blue lantern? It hangs in the café — naïve 😀 answer:',
      answer: ' blue',
      segments: [{ kind: 'question', label: 'q', turn: 0, start: 0, end: 26 }],
      metadata: {},
    } as unknown as Probe;
    const tokenized = tokenizeProbe(tokenizer, probe);
    const batch = probeTokensBatch(tokenizer, [tokenized]);
    expect(batch.text.join('')).toBe(tokenized.text);
    expect(batch.position).toEqual(Array.from({ length: tokenized.n_tokens }, (_, i) => i));
    expect(batch.token_id).toEqual(Array.from(tokenized.input_ids));
    const last = batch.char_end.at(-1);
    expect(last).toBe(tokenized.text!.length);
  });
});

describe('tokens.arrow', () => {
  it('writeProbeSet with tokens → one record batch per probe, listed in acc_lens.batch_probes, rows read back equal', async () => {
    const dir = await tempDir();
    const run = await RunWriter.open(dir, runInit());
    const { probes, segments } = probeSet();
    const ids = [...PROBE_IDS];
    const tokens = probeTokens();
    await run.writeProbeSet(probes, segments, tokens);
    await run.close();
    const file = await ArrowFileHandle.open(`${dir}/tokens.arrow`);
    const batchProbes = JSON.parse(file.schema.metadata.get(META.batchProbes)!) as string[];
    expect(batchProbes).toEqual(ids);
    expect(file.numBatches).toBe(ids.length);
    const third = await file.readBatch(2);
    expect(third.numRows).toBe(4);
    await file.close();
    const back = decodeTable(TOKENS, await readTable(await openRun(dir), 'tokens'));
    expect(back.probe_id).toEqual(tokens.probe_id);
    expect(Array.from(back.token_id as Int32Array)).toEqual(tokens.token_id);
    expect(back.text).toEqual(tokens.text);
    expect(back.char_start).toEqual(tokens.char_start);
  });
});
