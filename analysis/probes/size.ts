import { estimateTokens, TEMPLATE_TOKENS_PER_MESSAGE } from './estimate.ts';
import { isPretokenized, type Probe } from './schema.ts';

/** The longest probe acc-lens builds or imports without being told otherwise (ACC's 128k contexts). */
export const DEFAULT_MAX_TOKENS = 131_072;

/**
 * Estimated tokens of a probe as the model would see it (contents, answer, chat-template overhead;
 * Qwen3 estimate, see estimate.ts), or the exact count for pre-tokenized probes.
 */
export function probeTokens(p: Probe): number {
  if (isPretokenized(p)) return p.input_ids.length;
  const turns = p.messages ?? [{ content: p.text ?? '' }];
  return (
    turns.reduce((n, m) => n + estimateTokens(m.content) + TEMPLATE_TOKENS_PER_MESSAGE, 0) + estimateTokens(p.answer)
  );
}

export interface SizeCheck {
  kept: Probe[];
  /** Probes over the limit: left out when the limit was given, kept (with a warning) under the default. */
  over: { id: string; tokens: number }[];
}

/**
 * The size guard of `probes import`: with `maxTokens` given, probes estimated above it are left
 * out; without it, probes above DEFAULT_MAX_TOKENS are kept but reported.
 */
export function checkSizes(probes: Probe[], maxTokens: number | undefined): SizeCheck {
  const limit = maxTokens ?? DEFAULT_MAX_TOKENS;
  const kept: Probe[] = [];
  const over: { id: string; tokens: number }[] = [];
  for (const p of probes) {
    const tokens = probeTokens(p);
    if (tokens > limit) over.push({ id: p.id, tokens });
    if (tokens <= limit || maxTokens === undefined) kept.push(p);
  }
  return { kept, over };
}
