import { Template } from '@huggingface/jinja';
import { AccLensError } from '../errors.ts';
import type { Message } from '../probes/schema.ts';

export interface RenderedChat {
  /** The prompt exactly as the model sees it, generation prompt included. */
  text: string;
  /** UTF-16 offset in `text` where each message's content starts (same order as the messages). */
  contentStarts: number[];
}

export interface RenderOptions {
  /** Qwen3: false renders an empty think block after the generation prompt (the non-thinking reply form). */
  enableThinking?: boolean;
  /** `bos_token`, `eos_token`, … from tokenizer_config.json, which Llama / Mistral templates print. */
  specialTokens?: Record<string, string>;
}

const compiled = new Map<string, Template>();

/**
 * Renders messages with a Jinja chat template and finds where each message's content landed.
 * Contents are located in order; a template that rewrites a content (e.g. Qwen3 moving a
 * `<think>` block of an earlier assistant turn) is reported, never guessed.
 */
export function renderChat(template: string, messages: Message[], options: RenderOptions = {}): RenderedChat {
  let t = compiled.get(template);
  if (t === undefined) {
    t = new Template(template);
    compiled.set(template, t);
  }
  let text: string;
  try {
    text = t.render({
      ...options.specialTokens,
      messages,
      add_generation_prompt: true,
      enable_thinking: options.enableThinking ?? false,
    });
  } catch (error) {
    // Templates call raise_exception(msg) on messages they reject (Mistral: roles that do not alternate).
    throw new AccLensError(
      'E_TOKENIZER',
      `the chat template rejected the messages: ${(error as Error).message}`,
      'Bring messages in the shape the template expects (Mistral: user/assistant alternating), or raw text.',
    );
  }
  const contentStarts: number[] = [];
  let cursor = 0;
  messages.forEach((m, i) => {
    const at = text.indexOf(m.content, cursor);
    if (at < 0) {
      throw new AccLensError(
        'E_TOKENIZER',
        `chat template rewrote message ${i} (${m.role}); its content is not in the rendered prompt verbatim`,
        'Remove <think> blocks from earlier assistant turns, or bring the probe as raw text.',
      );
    }
    contentStarts.push(at);
    cursor = at + m.content.length;
  });
  return { text, contentStarts };
}
