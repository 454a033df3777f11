import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import { pieceKind, type PieceKind } from './pieces.ts';

/** An added token as tokenizer.json lists it: matched in the text as a whole, before the model runs. */
export interface AddedToken {
  id: number;
  content: string;
  lstrip: boolean;
  rstrip: boolean;
  special: boolean;
}

/** A tokenizer as acc-lens uses it: ids, the vocab piece of every id, decode, chat template. */
export interface TextTokenizer {
  /** Stable name for provenance (e.g. "qwen3"). */
  name: string;
  /** How vocab pieces spell text: byte-level alphabet (GPT-2, Qwen, Llama 3) or SentencePiece `▁` + byte fallback. */
  kind: PieceKind;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** The vocab string of a model id ("Ġword", "▁word", "<0x0A>"); undefined for added tokens and unknown ids. */
  piece(id: number): string | undefined;
  /** The added token with this id (special tokens such as `<s>`, `<|im_start|>`). */
  added(id: number): AddedToken | undefined;
  chatTemplate: string | null;
  /** Special-token strings the chat template may use (`bos_token`, `eos_token`, …). */
  templateTokens: Record<string, string>;
  vocabSize: number;
  /** The id of a vocab string such as "Ġword", if it has one. */
  idOf(token: string): number | undefined;
}

const AddedTokenSchema = z.object({
  id: z.number().int().min(0),
  content: z.string(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  special: z.boolean().optional(),
});

// Only what acc-lens reads itself; @huggingface/tokenizers validates the rest when it builds the pipeline.
const TokenizerJsonSchema = z.object({
  model: z.object({
    type: z.string().optional(),
    // BPE / WordPiece: {piece: id}; Unigram: [[piece, score], …] (the id is the index).
    vocab: z.union([z.record(z.string(), z.number().int().min(0)), z.array(z.tuple([z.string(), z.number()]))]),
    byte_fallback: z.boolean().optional(),
  }),
  added_tokens: z.array(AddedTokenSchema),
  normalizer: z.unknown().optional(),
  pre_tokenizer: z.unknown().optional(),
  decoder: z.unknown().optional(),
});

function parseTokenizerJson(name: string, json: unknown): z.infer<typeof TokenizerJsonSchema> {
  const parsed = TokenizerJsonSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AccLensError(
    'E_TOKENIZER',
    `tokenizer "${name}": tokenizer.json ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; is it a Hugging Face tokenizer.json?`,
  );
}

/** A special-token entry of tokenizer_config.json: a string or `{content: …}`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

const TEMPLATE_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/**
 * Wraps a parsed tokenizer.json (+ tokenizer_config.json) in a TextTokenizer. Byte-level BPE
 * (Qwen, GPT-2, Llama 3) and SentencePiece-style tokenizers (BPE with byte fallback or Unigram,
 * `▁` from a Prepend/Replace normalizer or a Metaspace pre-tokenizer: Llama 2, Mistral, Mixtral)
 * are supported for text probes; others (WordPiece) can bring pre-tokenized probes.
 * Example: `makeTokenizer('llama', JSON.parse(tokenizerJson), JSON.parse(tokenizerConfig))`.
 */
export function makeTokenizer(
  name: string,
  tokenizerJson: unknown,
  tokenizerConfig: Record<string, unknown>,
): TextTokenizer {
  const tj = parseTokenizerJson(name, tokenizerJson);
  const kind = pieceKind(tj);
  if (kind === null) {
    throw new AccLensError(
      'E_TOKENIZER',
      `tokenizer "${name}" (model ${tj.model.type ?? '?'}) is neither byte-level BPE nor SentencePiece-style (▁ word marks); acc-lens cannot map char spans to its tokens`,
      'Pass a byte-level or SentencePiece tokenizer.json, or bring pre-tokenized probes (input_ids + token segments).',
    );
  }
  const pieces: string[] = [];
  if (Array.isArray(tj.model.vocab)) tj.model.vocab.forEach(([piece], id) => (pieces[id] = piece));
  else for (const [piece, id] of Object.entries(tj.model.vocab)) pieces[id] = piece;
  const added = new Map(
    tj.added_tokens.map((t) => [
      t.id,
      {
        id: t.id,
        content: t.content,
        lstrip: t.lstrip ?? false,
        rstrip: t.rstrip ?? false,
        special: t.special ?? false,
      },
    ]),
  );
  let vocabSize = pieces.length;
  for (const t of tj.added_tokens) vocabSize = Math.max(vocabSize, t.id + 1);
  let inner: Tokenizer;
  try {
    inner = new Tokenizer(tokenizerJson as object, tokenizerConfig);
  } catch (error) {
    throw new AccLensError('E_TOKENIZER', `tokenizer "${name}": ${(error as Error).message}`);
  }
  const template = tokenizerConfig.chat_template;
  const templateTokens: Record<string, string> = {};
  for (const key of TEMPLATE_TOKENS) {
    const text = tokenText(tokenizerConfig[key]);
    if (text !== undefined) templateTokens[key] = text;
  }
  return {
    name,
    kind,
    vocabSize,
    chatTemplate: typeof template === 'string' ? template : null,
    templateTokens,
    encode: (text) => Int32Array.from(inner.encode(text, { add_special_tokens: false }).ids),
    decode: (ids) => inner.decode(Array.from(ids), { skip_special_tokens: false }),
    piece: (id) => (added.has(id) ? undefined : pieces[id]),
    added: (id) => added.get(id),
    idOf: (token) => inner.token_to_id(token),
  };
}
