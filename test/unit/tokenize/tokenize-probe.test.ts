import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
import { PROBE_SCHEMA, type PretokenizedProbe, type TextProbe } from '../../../analysis/probes/schema.ts';
import { utf16ToByteOffsets } from '../../../analysis/tokenize/byte-level.ts';
import { loadTokenizer } from '../../../analysis/tokenize/load.ts';
import { byteSpanToTokenSpan, tokenByteStarts } from '../../../analysis/tokenize/spans.ts';
import { tokenizeProbe } from '../../../analysis/tokenize/tokenize-probe.ts';

const tokenizer = loadTokenizer();

const probe = (
  messages: { role: 'user' | 'assistant'; content: string }[],
  segments: TextProbe['segments'],
  answer = 'Final answer: yes.',
): TextProbe => ({
  schema: PROBE_SCHEMA,
  id: 't',
  family: 'acc_search',
  messages,
  segments,
  answer,
  source: 'test',
  metadata: {},
});

describe('loadTokenizer (Qwen3)', () => {
  it('encodes the chat special tokens as single ids 151644 and 151645', () => {
    expect(Array.from(tokenizer.encode('<|im_start|>'))).toEqual([151644]);
    expect(Array.from(tokenizer.encode('<|im_end|>'))).toEqual([151645]);
  });

  it('tokenByteStarts aligns every token of a mixed-script text, ending at its UTF-8 length', () => {
    const text = 'naïve café 中文字符 😀🚀 e\u0301 tab\tnew\nline'.normalize('NFC');
    const ids = tokenizer.encode(text);
    const starts = tokenByteStarts(tokenizer, ids, text);
    expect(starts[ids.length]).toBe(Buffer.byteLength(text));
    for (let t = 1; t <= ids.length; t++) expect(starts[t]).toBeGreaterThan(starts[t - 1] as number);
  });
});

describe('byteSpanToTokenSpan', () => {
  // tokens: [0,3) [3,5) [5,9) [9,10)
  const starts = Int32Array.from([0, 3, 5, 9, 10]);
  it('covers the tokens whose first byte lies in the span', () => {
    expect(byteSpanToTokenSpan(starts, 3, 9)).toEqual({ start: 1, end: 3, aligned: true });
  });
  it('gives a token that straddles the start to the previous segment and reports misalignment', () => {
    expect(byteSpanToTokenSpan(starts, 4, 10)).toEqual({ start: 2, end: 4, aligned: false });
  });
  it('makes tiling segments tile the tokens', () => {
    const a = byteSpanToTokenSpan(starts, 0, 4);
    const b = byteSpanToTokenSpan(starts, 4, 10);
    expect(a.end).toBe(b.start);
  });
});

describe('utf16ToByteOffsets', () => {
  it('counts surrogate pairs as 4 bytes and CJK as 3', () => {
    expect(Array.from(utf16ToByteOffsets('a中😀b'))).toEqual([0, 1, 4, 4, 8, 9]);
  });
});

describe('tokenizeProbe', () => {
  const intro = 'Task family: telescope cathedral parchment caravan.\nRead this:';
  const evidence = ' The vessel carried cinnamon and saffron.';
  const tail = ' Other text follows here.';
  const p = probe(
    [{ role: 'user', content: intro + evidence + tail }],
    [{ kind: 'evidence', label: 'e', turn: 0, start: intro.length, end: intro.length + evidence.length }],
  );
  const t = tokenizeProbe(tokenizer, p);

  it('renders the Qwen3 chat template with the generation prompt before the answer', () => {
    expect(t.text?.startsWith('<|im_start|>user\n')).toBe(true);
    expect(t.text?.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\nFinal answer: yes.')).toBe(true);
    expect(t.input_ids[0]).toBe(151644);
  });

  it('maps an aligned segment to tokens that decode to exactly its text', () => {
    const seg = t.segments.find((s) => s.kind === 'evidence');
    expect(seg?.aligned).toBe(true);
    expect(tokenizer.decode(t.input_ids.subarray(seg?.token_start, seg?.token_end))).toBe(evidence);
  });

  it('gives the answer its own span at the end, decoding to the answer', () => {
    expect(t.answer_span.end).toBe(t.n_tokens);
    expect(tokenizer.decode(t.input_ids.subarray(t.answer_span.start, t.answer_span.end))).toBe('Final answer: yes.');
    expect(t.prompt_tokens).toBe(t.answer_span.start);
  });

  it('encodes the whole text once: ids equal a plain encode of the rendered text', () => {
    expect(Array.from(t.input_ids)).toEqual(Array.from(tokenizer.encode(t.text ?? '')));
  });

  it('refuses text that is not NFC, since the normalizer would shift spans', () => {
    const bad = probe([{ role: 'user', content: 'cafe\u0301' }], []);
    expect(() => tokenizeProbe(tokenizer, bad)).toThrow(AccLensError);
  });

  it('refuses a segment outside its turn', () => {
    const bad = probe(
      [{ role: 'user', content: 'short' }],
      [{ kind: 'evidence', label: 'x', turn: 0, start: 0, end: 99 }],
    );
    expect(() => tokenizeProbe(tokenizer, bad)).toThrow(/outside turn 0/);
  });

  it('tokenizes raw-text probes without the chat template', () => {
    const raw: TextProbe = { ...p, messages: undefined, text: intro + evidence, segments: [] };
    const r = tokenizeProbe(tokenizer, raw);
    expect(r.text).toBe(intro + evidence + p.answer);
  });

  it('passes a pre-tokenized probe through, validating its answer segment', () => {
    const pre: PretokenizedProbe = {
      schema: PROBE_SCHEMA,
      id: 'pre',
      family: 'mrcr',
      answer: 'x',
      source: 'test',
      metadata: {},
      input_ids: [1, 2, 3, 4],
      segments: [{ kind: 'answer', label: 'a', turn: 1, token_start: 3, token_end: 4 }],
    };
    const r = tokenizeProbe(tokenizer, pre);
    expect(r.answer_span).toEqual({ start: 3, end: 4 });
    expect(r.text).toBeNull();
    expect(() => tokenizeProbe(tokenizer, { ...pre, segments: [] })).toThrow(/exactly one segment of kind "answer"/);
  });

  it('needs no tokenizer for a pre-tokenized probe, and refuses a text probe without one', () => {
    const pre: PretokenizedProbe = {
      schema: PROBE_SCHEMA,
      id: 'pre',
      family: 'mrcr',
      answer: 'x',
      source: 'test',
      metadata: {},
      input_ids: [999_999, 2, 3],
      segments: [{ kind: 'answer', label: 'a', turn: 1, token_start: 2, token_end: 3 }],
    };
    expect(tokenizeProbe(null, pre)).toMatchObject({ tokenizer: 'none (pre-tokenized)', n_tokens: 3 });
    expect(() => tokenizeProbe(tokenizer, pre)).toThrow(/input_ids\[0\] = 999999 is outside the vocabulary/);
    expect(() => tokenizeProbe(null, p)).toThrow(/probe t is text and needs a tokenizer/);
  });
});
