import { AccLensError } from '../errors.ts';
import {
  isPretokenized,
  probeTurns,
  type PretokenizedProbe,
  type Probe,
  type SegmentKind,
  type TextProbe,
} from '../probes/schema.ts';
import type { TokenizedProbe, TokenSegment } from '../probes/tokenized-probe.ts';
import { utf16ToByteOffsets } from './byte-level.ts';
import { renderChat, type RenderOptions } from './chat-template.ts';
import { byteSpanToTokenSpan, tokenByteStarts } from './spans.ts';
import type { TextTokenizer } from './tokenizer.ts';

export type { TokenizedProbe, TokenSegment } from '../probes/tokenized-probe.ts';

/** Tokenizer name recorded for pre-tokenized probes read without a tokenizer. */
export const PRETOKENIZED = 'none (pre-tokenized)';

export interface TokenizeOptions extends RenderOptions {
  /** Apply the chat template to `messages` probes (default true when the tokenizer has one). */
  chatTemplate?: boolean;
}

/**
 * Tokenizes a probe as the model sees it: chat template rendered, answer appended after the
 * generation prompt, one whole-text encode, and every segment mapped char → byte → token span.
 * Example: `tokenizeProbe(loadTokenizer(), probe).segments.find((s) => s.kind === 'evidence')`.
 */
export function tokenizeProbe(
  tokenizer: TextTokenizer | null,
  probe: Probe,
  options: TokenizeOptions = {},
): TokenizedProbe {
  if (isPretokenized(probe)) return fromPretokenized(tokenizer, probe);
  if (tokenizer === null)
    throw new AccLensError(
      'E_TOKENIZER',
      `probe ${probe.id} is text and needs a tokenizer`,
      "Pass --tokenizer DIR holding the model's tokenizer.json, or bring pre-tokenized probes.",
    );
  return fromText(tokenizer, probe, options);
}

/** Runs `f`, prefixing the message of a coded error with the probe it concerns. */
function forProbe<T>(id: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof AccLensError) throw new AccLensError(error.code, `probe ${id}: ${error.message}`, error.fix);
    throw error;
  }
}

function fromText(tokenizer: TextTokenizer, probe: TextProbe, options: TokenizeOptions): TokenizedProbe {
  const turns = probeTurns(probe);
  const useTemplate = probe.messages !== undefined && (options.chatTemplate ?? true) && tokenizer.chatTemplate !== null;
  const rendered = useTemplate
    ? forProbe(probe.id, () =>
        renderChat(tokenizer.chatTemplate as string, turns, { ...options, specialTokens: tokenizer.templateTokens }),
      )
    : concatenate(turns);
  const text = rendered.text + probe.answer;
  if (text.normalize('NFC') !== text) {
    throw new AccLensError(
      'E_TOKENIZER',
      `probe ${probe.id}: text is not in Unicode NFC; the tokenizer's normalizer would shift char spans`,
      'Run the file through `acc-lens probes import`, which normalizes text to NFC.',
    );
  }
  const ids = tokenizer.encode(text);
  const starts = forProbe(probe.id, () => tokenByteStarts(tokenizer, ids, text));
  const byteAt = utf16ToByteOffsets(text);
  const toSegment = (kind: SegmentKind, label: string, turn: number, cs: number, ce: number): TokenSegment => {
    const span = byteSpanToTokenSpan(starts, byteAt[cs] as number, byteAt[ce] as number);
    return {
      kind,
      label,
      turn,
      token_start: span.start,
      token_end: span.end,
      char_start: cs,
      char_end: ce,
      aligned: span.aligned,
    };
  };
  const segments = probe.segments.map((s) => {
    const content = (turns[s.turn] as { content: string } | undefined)?.content;
    if (content === undefined || s.end > content.length) {
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `probe ${probe.id}: segment ${s.label} (${s.kind}) lies outside turn ${s.turn}`,
      );
    }
    const base = rendered.contentStarts[s.turn] as number;
    return toSegment(s.kind, s.label, s.turn, base + s.start, base + s.end);
  });
  const answer = toSegment('answer', 'answer', turns.length, rendered.text.length, text.length);
  segments.push(answer);
  return {
    id: probe.id,
    family: probe.family,
    source: probe.source,
    tokenizer: tokenizer.name,
    input_ids: ids,
    n_tokens: ids.length,
    prompt_tokens: answer.token_start,
    answer_span: { start: answer.token_start, end: answer.token_end },
    segments,
    text,
    metadata: probe.metadata,
  };
}

/** Without a chat template the turns are joined as they are. */
function concatenate(turns: { content: string }[]): { text: string; contentStarts: number[] } {
  const contentStarts: number[] = [];
  let text = '';
  for (const m of turns) {
    contentStarts.push(text.length);
    text += m.content;
  }
  return { text, contentStarts };
}

/** Pre-tokenized probes need no tokenizer; when one is given, their ids must lie inside its vocabulary. */
function fromPretokenized(tokenizer: TextTokenizer | null, probe: PretokenizedProbe): TokenizedProbe {
  const n = probe.input_ids.length;
  const bad = tokenizer === null ? -1 : probe.input_ids.findIndex((id) => id >= tokenizer.vocabSize);
  if (bad >= 0 && tokenizer !== null)
    throw new AccLensError(
      'E_TOKENIZER',
      `probe ${probe.id}: input_ids[${bad}] = ${probe.input_ids[bad]} is outside the vocabulary (${tokenizer.vocabSize})`,
    );
  const segments: TokenSegment[] = probe.segments.map((s) => {
    if (s.token_end > n)
      throw new AccLensError(
        'E_CONFIG_INVALID',
        `probe ${probe.id}: segment ${s.label} ends at token ${s.token_end} but the probe has ${n}`,
      );
    return { ...s, char_start: null, char_end: null, aligned: true };
  });
  const answers = segments.filter((s) => s.kind === 'answer');
  if (answers.length !== 1)
    throw new AccLensError(
      'E_CONFIG_INVALID',
      `probe ${probe.id}: a pre-tokenized probe needs exactly one segment of kind "answer" (found ${answers.length})`,
    );
  const answer = answers[0] as TokenSegment;
  return {
    id: probe.id,
    family: probe.family,
    source: probe.source,
    tokenizer: tokenizer?.name ?? PRETOKENIZED,
    input_ids: Int32Array.from(probe.input_ids),
    n_tokens: n,
    prompt_tokens: answer.token_start,
    answer_span: { start: answer.token_start, end: answer.token_end },
    segments,
    text: null,
    metadata: probe.metadata,
  };
}
