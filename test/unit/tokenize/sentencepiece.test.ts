import { describe, expect, it } from 'vitest';
import { AccLensError } from '../../../analysis/errors.ts';
import { PROBE_SCHEMA, type TextProbe } from '../../../analysis/probes/schema.ts';
import { tokenByteStarts } from '../../../analysis/tokenize/spans.ts';
import { tokenizeProbe } from '../../../analysis/tokenize/tokenize-probe.ts';
import { makeTokenizer, type TextTokenizer } from '../../../analysis/tokenize/tokenizer.ts';
import { MISTRAL_LIKE_TEMPLATE, spTokenizerJson, type SpStyle } from './sp-tokenizers.ts';

const WORDS = ['Read', 'this', 'The', 'vessel', 'carried', 'cinnamon', 'and', 'saffron', 'to', 'Other', 'text', 'yes'];
const EXTRA = ['.', ':', ',', '\n', 'ü', 'Z', 'r', 'i', 'c', 'h'];
const make = (style: SpStyle, config: Record<string, unknown> = {}): TextTokenizer =>
  makeTokenizer(style, spTokenizerJson(style, WORDS, EXTRA), config);

const intro = 'Read this:';
// "☃" is in no vocab: Llama/Mistral spell it with three <0xNN> byte-fallback pieces.
const evidence = ' The vessel carried cinnamon ☃ and saffron to Zürich.';
const tail = '\nOther text.';
const probe = (messages: TextProbe['messages'], start: number, end: number): TextProbe => ({
  schema: PROBE_SCHEMA,
  id: 'sp',
  family: 'acc_search',
  messages,
  segments: [{ kind: 'evidence', label: 'e', turn: 0, start, end }],
  answer: ' yes.',
  source: 'test',
  metadata: {},
});

describe('SentencePiece-style tokenizer.json (Llama 2, Mistral v0.3, Unigram)', () => {
  it.each(['llama', 'mistral'] as const)(
    '%s: the ids decode, prefix by prefix, to exactly the text before each segment boundary',
    (style) => {
      const tok = make(style);
      expect(tok.kind).toBe('metaspace');
      const p = probe(
        [{ role: 'user', content: intro + evidence + tail }],
        intro.length,
        intro.length + evidence.length,
      );
      const t = tokenizeProbe(tok, p);
      const text = t.text ?? '';
      expect(text).toBe(intro + evidence + tail + ' yes.');
      const seg = t.segments.find((s) => s.kind === 'evidence');
      expect(seg?.aligned).toBe(true);
      const prefix = (k: number): string => tok.decode(t.input_ids.subarray(0, k));
      expect(prefix(seg?.token_start ?? -1)).toBe(intro);
      expect(prefix(seg?.token_end ?? -1)).toBe(intro + evidence);
      expect(prefix(t.answer_span.start)).toBe(intro + evidence + tail);
      expect(prefix(t.n_tokens)).toBe(text);
      // the snowman went through byte fallback: three single-byte pieces inside the evidence span
      const pieces = Array.from(t.input_ids.subarray(seg?.token_start, seg?.token_end), (id) => tok.piece(id));
      expect(pieces).toEqual(expect.arrayContaining(['<0xE2>', '<0x98>', '<0x83>']));
    },
  );

  it('llama: the dummy-prefix ▁ of the first token takes no bytes; a leading space in the text is kept', () => {
    const tok = make('llama');
    const ids = tok.encode(' The vessel');
    expect(Array.from(ids, (id) => tok.piece(id))).toEqual(['▁', '▁The', '▁vessel']);
    expect(Array.from(tokenByteStarts(tok, ids, ' The vessel'))).toEqual([0, 0, 4, 11]);
    const plain = tok.encode('The vessel');
    expect(Array.from(tokenByteStarts(tok, plain, 'The vessel'))).toEqual([0, 3, 10]);
  });

  it('mistral: renders the chat template with bos_token/eos_token and maps spans across [INST] control tokens', () => {
    const tok = make('mistral', { chat_template: MISTRAL_LIKE_TEMPLATE, bos_token: '<s>', eos_token: '</s>' });
    const content = intro + evidence + tail;
    const t = tokenizeProbe(tok, probe([{ role: 'user', content }], intro.length, intro.length + evidence.length));
    expect(t.text).toBe(`<s>[INST] ${content} [/INST] yes.`);
    expect(tok.added(t.input_ids[0] as number)?.content).toBe('<s>');
    expect(tok.added(t.input_ids[1] as number)?.content).toBe('[INST]');
    const seg = t.segments.find((s) => s.kind === 'evidence');
    expect(tok.decode(t.input_ids.subarray(0, seg?.token_end))).toBe(`<s>[INST] ${intro}${evidence}`);
    expect(tok.decode(t.input_ids.subarray(0, seg?.token_start))).toBe(`<s>[INST] ${intro}`);
  });

  it('mistral: a template that raises (roles not alternating) is E_TOKENIZER, not an internal error', () => {
    const tok = make('mistral', { chat_template: MISTRAL_LIKE_TEMPLATE, bos_token: '<s>', eos_token: '</s>' });
    const p = probe([{ role: 'system', content: 'x' }], 0, 1);
    const error = (() => {
      try {
        tokenizeProbe(tok, p);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_TOKENIZER');
    expect((error as AccLensError).message).toMatch(/probe sp: the chat template rejected the messages: Only user/);
  });

  it('unigram (vocab as [piece, score] pairs): segment spans line up with the words', () => {
    const tok = make('unigram');
    const text = 'Read this: The vessel carried saffron.';
    const at = text.indexOf(' The');
    const t = tokenizeProbe(tok, { ...probe(undefined, at, at + ' The vessel'.length), text });
    const seg = t.segments.find((s) => s.kind === 'evidence');
    expect(seg?.aligned).toBe(true);
    expect(Array.from(t.input_ids.subarray(seg?.token_start, seg?.token_end), (id) => tok.piece(id))).toEqual([
      '▁The',
      '▁vessel',
    ]);
    expect(tok.vocabSize).toBe(4 + new Set([...WORDS.join(''), ...EXTRA]).size + 2 * WORDS.length);
  });

  it('a normalizer that changes the text (Lowercase) is refused with the char where it happened', () => {
    const json = spTokenizerJson(
      'llama',
      WORDS.map((w) => w.toLowerCase()),
      EXTRA,
    );
    const normalizer = json.normalizer as { normalizers: unknown[] };
    normalizer.normalizers.unshift({ type: 'Lowercase' });
    const tok = makeTokenizer('lower', json, {});
    const error = (() => {
      try {
        tokenizeProbe(tok, { ...probe(undefined, 0, 4), text: 'read The vessel' });
      } catch (e) {
        return e as AccLensError;
      }
    })();
    expect(error?.code).toBe('E_TOKENIZER');
    expect(error?.message).toMatch(/does not spell the text at char 5 \("The vessel/);
  });

  it('a WordPiece tokenizer is refused at load with the pre-tokenized alternative', () => {
    const json = {
      added_tokens: [],
      normalizer: { type: 'BertNormalizer', lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      decoder: { type: 'WordPiece', prefix: '##' },
      model: { type: 'WordPiece', unk_token: '[UNK]', vocab: { '[UNK]': 0, a: 1 } },
    };
    expect(() => makeTokenizer('bert', json, {})).toThrow(/neither byte-level BPE nor SentencePiece/);
  });
});
