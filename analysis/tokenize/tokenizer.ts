import { Tokenizer } from '@huggingface/tokenizers';
import { AccLensError } from '../errors.ts';
import { byteLevelLength, utf8Length } from './byte-level.ts';

/** A tokenizer as acc-lens uses it: ids, exact per-token byte lengths, decode, chat template. */
export interface TextTokenizer {
  /** Stable name for provenance (e.g. "qwen3"). */
  name: string;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** UTF-8 bytes that token `id` stands for in the input text. */
  byteLength(id: number): number;
  chatTemplate: string | null;
  vocabSize: number;
  /** The id of a vocab string such as "Ġword", if it has one. */
  idOf(token: string): number | undefined;
}

const TokenizerJsonShape = {
  parse(json: unknown): {
    model: { vocab: Record<string, number> };
    added_tokens: { id: number; content: string }[];
    decoder: { type?: string } | null;
  } {
    const j = json as Record<string, unknown>;
    const model = j.model as Record<string, unknown> | undefined;
    if (model === undefined || typeof model.vocab !== 'object' || !Array.isArray(j.added_tokens)) {
      throw new AccLensError(
        'E_TOKENIZER',
        'tokenizer.json has no model.vocab or added_tokens; is it a Hugging Face tokenizer.json?',
      );
    }
    return j as never;
  },
};

/**
 * Wraps a parsed tokenizer.json (+ tokenizer_config.json) in a TextTokenizer.
 * Only byte-level BPE tokenizers (GPT-2/Qwen/Llama-3 style) are supported for span mapping;
 * other models can bring pre-tokenized probes.
 */
export function makeTokenizer(
  name: string,
  tokenizerJson: unknown,
  tokenizerConfig: Record<string, unknown>,
): TextTokenizer {
  const tj = TokenizerJsonShape.parse(tokenizerJson);
  if (tj.decoder?.type !== 'ByteLevel') {
    throw new AccLensError(
      'E_TOKENIZER',
      `tokenizer "${name}" is not byte-level BPE (decoder ${tj.decoder?.type ?? 'none'}); exact char spans need a byte-level tokenizer`,
      'Pass a byte-level tokenizer.json, or bring pre-tokenized probes (input_ids + token segments).',
    );
  }
  let vocabSize = 0;
  for (const id of Object.values(tj.model.vocab)) vocabSize = Math.max(vocabSize, id + 1);
  for (const t of tj.added_tokens) vocabSize = Math.max(vocabSize, t.id + 1);
  const lengths = new Int32Array(vocabSize).fill(-1);
  for (const [token, id] of Object.entries(tj.model.vocab)) {
    const n = byteLevelLength(token);
    if (n !== null) lengths[id] = n;
  }
  for (const t of tj.added_tokens) lengths[t.id] = utf8Length(t.content);
  const inner = new Tokenizer(tj, tokenizerConfig);
  const template = tokenizerConfig.chat_template;
  return {
    name,
    vocabSize,
    chatTemplate: typeof template === 'string' ? template : null,
    encode: (text) => Int32Array.from(inner.encode(text, { add_special_tokens: false }).ids),
    decode: (ids) => inner.decode(Array.from(ids), { skip_special_tokens: false }),
    byteLength: (id) => {
      const n = lengths[id] ?? -1;
      if (n < 0) throw new AccLensError('E_TOKENIZER', `token id ${id} has no byte-level form in tokenizer "${name}"`);
      return n;
    },
    idOf: (token) => inner.token_to_id(token),
  };
}
