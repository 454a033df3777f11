import { z } from 'zod';
import { AccLensError } from '../errors.ts';
import type { TaskFamily } from './families.ts';
import { makeRng, type Rng } from './prng.ts';
import { PROBE_SCHEMA, type Message, type Segment, type TextProbe } from './schema.ts';

export const GenerateOptionsSchema = z.object({
  n: z.number().int().min(1).max(100_000),
  tokens: z.number().int().min(1000).max(131_072),
  seed: z.number().int(),
});
export type GenerateOptions = z.infer<typeof GenerateOptionsSchema>;

/** One probe from a per-probe random stream; `index` lets generators cycle variants (2/4/8 needles). */
export type ProbeMaker = (rng: Rng, tokens: number, index: number) => TextProbe;

/** Runs a maker n times with per-probe forked streams: probe i is the same whatever n is. */
export function generateSet(maker: ProbeMaker, options: GenerateOptions): TextProbe[] {
  const parsed = GenerateOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new AccLensError(
      'E_USAGE',
      `generator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const root = makeRng(options.seed);
  return Array.from({ length: options.n }, (_, i) => maker(root.fork(i), options.tokens, i));
}

/** Assembles a generated probe line. */
export function makeProbe(args: {
  id: string;
  family: TaskFamily;
  messages: Message[];
  segments: Segment[];
  answer: string;
  source: string;
  metadata: Record<string, unknown>;
}): TextProbe {
  return {
    schema: PROBE_SCHEMA,
    id: args.id,
    family: args.family,
    messages: args.messages,
    segments: args.segments,
    answer: args.answer,
    source: args.source,
    metadata: args.metadata,
  };
}

export function ordinal(i: number): string {
  const mod100 = i % 100;
  const suffix =
    mod100 >= 11 && mod100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[i % 10] ?? 'th');
  return `${i}${suffix}`;
}

/** A 10-character alphanumeric string like MRCR's random_string_to_prepend. */
export function randomString(rng: Rng, length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}
