import { familyHeader } from '../families.ts';
import { content } from '../content.ts';
import { estimateTokens, TEMPLATE_TOKENS_PER_MESSAGE } from '../estimate.ts';
import { generateSet, makeProbe, ordinal, randomString, type GenerateOptions } from '../generate.ts';
import { makeWords, type Words } from '../lexicon.ts';
import type { Rng } from '../prng.ts';
import type { Message, Segment, TextProbe } from '../schema.ts';

const KINDS = ['poem', 'essay', 'email', 'story', 'riddle', 'speech', 'letter', 'song'] as const;
const NEEDLE_COUNTS = [2, 4, 8] as const;
/** The exchange right before the final question is a plain one this long, keeping evidence >= 100 tokens back. */
const SPACER_TOKENS = 130;

const PREAMBLE = (words: Words): string => {
  const example = (kind: string): string => {
    const topic = words.filler();
    const reply = `A ${kind} about ${topic}:${words.fillerText(30)}`;
    return `======EXAMPLE======\nUser: write a ${kind} about ${topic}\nAssistant: ${reply}\nUser: Prepend AbCdEf1234 to the 1st (1 indexed) ${kind} about ${topic}. Do not include any other text in your response.\nAssistant: AbCdEf1234${reply}\n`;
  };
  return `Here are some examples of conversations succeeded by a follow-up question answered correctly:\n\n${example('poem')}${example('letter')}======END EXAMPLES======\n\n`;
};

/** A reply whose words are " w" tokens: `A poem about topic:` then sentences of the given words. */
function replyOf(kind: string, topic: string, body: string[]): string {
  let text = `A ${kind} about ${topic}:`;
  for (let i = 0; i < body.length; i++) text += ` ${body[i]}${i % 8 === 7 || i === body.length - 1 ? '.' : ''}`;
  return text;
}

/** One MRCR-shaped conversation of about `tokens` tokens (OpenAI MRCR layout, generated words). */
export function makeMrcrProbe(rng: Rng, tokens: number, index: number): TextProbe {
  const words = makeWords(rng);
  const nNeedles = NEEDLE_COUNTS[index % NEEDLE_COUNTS.length] as number;
  const kind = rng.pick(KINDS);
  const [topic] = words.keys(1) as [string];
  const target = rng.int(1, nNeedles);
  const rs = randomString(rng);
  const needleLength = Math.max(16, Math.min(60, Math.floor(tokens / 40)));
  const needleBodies = Array.from({ length: nNeedles }, () => words.keys(needleLength));
  const needleReplies = needleBodies.map((body) => replyOf(kind, topic, body));
  const request = `write a ${kind} about ${topic}`;
  const question = `Prepend ${rs} to the ${ordinal(target)} (1 indexed) ${kind} about ${topic}. Do not include any other text in your response.`;

  const preamble = familyHeader('mrcr') + PREAMBLE(words);
  const fixed =
    estimateTokens(preamble + question) +
    needleReplies.reduce((n, r) => n + estimateTokens(r) + estimateTokens(request), 0) +
    (2 * nNeedles + 2) * TEMPLATE_TOKENS_PER_MESSAGE +
    12;
  // Plain exchanges fill the rest: each a request (about 5 tokens + template) and a filler reply.
  const plain: { request: string; reply: string }[] = [];
  let left = tokens - fixed - SPACER_TOKENS - 30;
  while (left > 40) {
    const replyTokens = Math.min(left - 25, rng.int(60, 360));
    const k = rng.pick(KINDS);
    const t = words.filler();
    const reply = `A ${k} about ${t}:${words.fillerText(replyTokens - 5)}`;
    plain.push({ request: `write a ${k} about ${t}`, reply });
    left -= estimateTokens(reply) + 6 + 2 * TEMPLATE_TOKENS_PER_MESSAGE;
  }
  // Needles go to random slots among the plain exchanges, in order.
  const slots = rng
    .shuffle(Array.from({ length: plain.length + nNeedles }, (_, i) => i))
    .slice(0, nNeedles)
    .sort((a, b) => a - b);
  const messages: Message[] = [];
  const segments: Segment[] = [];
  const first = content(0);
  first.mark('instruction', 'preamble', preamble);
  let needle = 0;
  let plainAt = 0;
  let desiredMsgIndex = -1;
  for (let slot = 0; slot < plain.length + nNeedles; slot++) {
    const isNeedle = slots[needle] === slot;
    const req = content(messages.length === 0 ? 0 : messages.length);
    const builder = messages.length === 0 ? first : req;
    const reqText = isNeedle ? request : (plain[plainAt] as { request: string }).request;
    if (isNeedle) builder.mark('other', `needle request ${needle + 1}`, reqText);
    else builder.add(reqText);
    messages.push({ role: 'user', content: builder.text() });
    segments.push(...builder.segments());
    const reply = content(messages.length);
    if (isNeedle) {
      const isTarget = needle + 1 === target;
      if (isTarget) desiredMsgIndex = messages.length;
      reply.mark(isTarget ? 'evidence' : 'distractor', `needle reply ${needle + 1}`, needleReplies[needle] as string);
      needle++;
    } else {
      reply.add((plain[plainAt] as { reply: string }).reply);
      plainAt++;
    }
    messages.push({ role: 'assistant', content: reply.text() });
    segments.push(...reply.segments());
  }
  const spacerTopic = words.filler();
  messages.push({ role: 'user', content: `write a poem about ${spacerTopic}` });
  messages.push({ role: 'assistant', content: `A poem about ${spacerTopic}:${words.fillerText(SPACER_TOKENS)}` });
  const last = content(messages.length);
  last.mark('question', 'final request', question);
  messages.push({ role: 'user', content: last.text() });
  segments.push(...last.segments());
  const targetReply = needleReplies[target - 1] as string;
  return makeProbe({
    id: `mrcr-${nNeedles}n-${index}`,
    family: 'mrcr',
    messages,
    segments,
    answer: rs + targetReply,
    source: 'generated:mrcr',
    metadata: {
      n_needles: nNeedles,
      desired_ordinal: target,
      desired_msg_index: desiredMsgIndex,
      random_string_to_prepend: rs,
      total_messages: messages.length,
      kind,
      key_words: [topic],
      payload_words: needleBodies[target - 1],
      target_tokens: tokens,
      evidence_found: true,
    },
  });
}

/** `n` MRCR probes of about `tokens` tokens, deterministic for `seed`, cycling 2/4/8 needles. */
export function generateMrcr(options: GenerateOptions): TextProbe[] {
  return generateSet(makeMrcrProbe, options);
}
