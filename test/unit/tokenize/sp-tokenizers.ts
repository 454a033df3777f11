/**
 * Small SentencePiece-style tokenizer.json files for tests, with the sections of the real ones:
 * - `llama`: Llama 2 / Mixtral — BPE with `byte_fallback`, `<0x00>`…`<0xFF>` pieces after
 *   `<unk>` `<s>` `</s>`, normalizer Sequence[Prepend "▁", Replace " "→"▁"], no pre-tokenizer,
 *   decoder Sequence[Replace "▁"→" ", ByteFallback, Fuse, Strip(1, 0)].
 * - `mistral`: Mistral v0.3 — the same model and decoder, no normalizer, pre-tokenizer Metaspace
 *   (prepend_scheme "first", split false), control tokens `[INST]` / `[/INST]` as added tokens.
 * - `unigram`: a Unigram model (`vocab` as [piece, score] pairs) with a Metaspace pre-tokenizer
 *   and decoder (prepend_scheme "always"), as sentencepiece-converted Unigram models have.
 * The vocabulary is built from `words` (each as "▁word" and "word", merged letter by letter).
 */
export type SpStyle = 'llama' | 'mistral' | 'unigram';

const SPECIALS = ['<unk>', '<s>', '</s>'];
const BYTES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
const addedToken = (id: number, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});
const LLAMA_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 },
  ],
};

function bpeVocab(words: string[], extra: string[]): { vocab: Record<string, number>; merges: string[] } {
  const vocab: Record<string, number> = {};
  const add = (p: string): void => {
    if (!(p in vocab)) vocab[p] = Object.keys(vocab).length;
  };
  [...SPECIALS, ...BYTES, '▁', ...extra].forEach(add);
  const merges: string[] = [];
  for (const w of words) {
    for (const form of [`▁${w}`, w]) {
      const chars = [...form];
      chars.forEach(add);
      let left = chars[0] as string;
      for (const c of chars.slice(1)) {
        const merged = left + c;
        if (!(merged in vocab)) merges.push(`${left} ${c}`);
        add(merged);
        left = merged;
      }
    }
  }
  return { vocab, merges };
}

export function spTokenizerJson(style: SpStyle, words: string[], extra: string[] = []): Record<string, unknown> {
  if (style === 'unigram') {
    const pieces: [string, number][] = [
      ...SPECIALS.map((p): [string, number] => [p, 0]),
      ['▁', -2],
      ...[...new Set([...words.join(''), ...extra])].map((c): [string, number] => [c, -8]),
      ...words.flatMap((w): [string, number][] => [
        [`▁${w}`, -1 - w.length / 100],
        [w, -3],
      ]),
    ];
    const meta = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
    return {
      version: '1.0',
      added_tokens: SPECIALS.map((c, i) => addedToken(i, c)),
      normalizer: null,
      pre_tokenizer: meta,
      post_processor: null,
      decoder: meta,
      model: { type: 'Unigram', unk_id: 0, vocab: pieces, byte_fallback: false },
    };
  }
  const controls = style === 'mistral' ? ['[INST]', '[/INST]'] : [];
  const { vocab, merges } = bpeVocab(words, [...extra, ...controls]);
  const model = {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: true,
    vocab,
    merges,
  };
  const added = [...SPECIALS, ...controls].map((c) => addedToken(vocab[c] as number, c));
  return style === 'llama'
    ? {
        version: '1.0',
        added_tokens: added,
        normalizer: {
          type: 'Sequence',
          normalizers: [
            { type: 'Prepend', prepend: '▁' },
            { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
          ],
        },
        pre_tokenizer: null,
        post_processor: null,
        decoder: LLAMA_DECODER,
        model,
      }
    : {
        version: '1.0',
        added_tokens: added,
        normalizer: null,
        pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
        post_processor: null,
        decoder: LLAMA_DECODER,
        model,
      };
}

/** A Mistral-like chat template (our wording): BOS, `[INST] user [/INST]`, assistant + EOS. */
export const MISTRAL_LIKE_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% else %}{{ raise_exception('Only user and assistant roles are supported') }}{% endif %}{% endfor %}";
