import { z } from 'zod';
import { parseOrFail } from '../io/manifest.ts';
import { QUERY_SETS } from '../schema/query-sets.ts';

const QuerySetSchema = z.enum(QUERY_SETS);

/**
 * What a capture keeps (docs/capture.md). Query sets: `answer` = the rows of the teacher-forced
 * answer tokens, `last` = the last prompt token, `question` = tokens of question segments, `all` = every token.
 */
export const CapturePlanSchema = z
  .object({
    /** Segment × segment attention mass, averaged over every query token of each segment. */
    segments: z.boolean().default(true),
    /** Distance profiles in the 32 shared bins (`distanceBinEdges()`), one per query set; `all` costs a pass over every row (≈ +70 % time at 16k). */
    distance: z
      .object({ query_sets: z.array(QuerySetSchema).min(1).default(['answer', 'last', 'question']) })
      .nullable()
      .default({ query_sets: ['answer', 'last', 'question'] }),
    /** Sparse rows: the top `k` keys of each selected query row whose weight is ≥ `min_weight`; `full` keeps every visible key instead. */
    rows: z
      .object({
        query_sets: z.array(QuerySetSchema).default(['answer', 'last', 'question']),
        k: z.number().int().min(1).max(4096).default(64),
        min_weight: z.number().min(0).max(1).default(1e-4),
        full: z.boolean().default(false),
      })
      .nullable()
      .default({ query_sets: ['answer', 'last', 'question'], k: 64, min_weight: 1e-4, full: false }),
    /** Top-k expert ids and gate weights for every token and MoE layer. */
    routing: z.boolean().default(true),
    /** Full router softmax per token (experts × tokens rows per layer). */
    router_probs: z.boolean().default(false),
    /** Teacher-forced log-probs of the gold answer tokens, computed in-graph on the answer rows only. */
    answer_logprobs: z.boolean().default(true),
    /**
     * Query tokens per prefill chunk; memory grows with chunk × context. `auto` picks per probe the
     * largest power of two ≤ 1,024 with chunk × tokens ≤ 2²³ (1,024 up to 8k tokens, 512 at 16k,
     * 256 at 32k; at least 128), so attention buffers stay near heads × 32 MB per layer.
     */
    chunk_size: z.union([z.literal('auto'), z.number().int().min(1).max(65_536)]).default('auto'),
    /** Refuse a plan whose estimated peak exceeds this many bytes; default 75 % of os.totalmem(). */
    memory_budget_bytes: z.number().int().positive().optional(),
  })
  .strict();

export type CapturePlan = z.output<typeof CapturePlanSchema>;
export type CapturePlanInput = z.input<typeof CapturePlanSchema>;

/** The default plan: segments, distance for answer/last/question, top-64 rows for answer/last/question, routing, answer log-probs, automatic chunks. */
export const DEFAULT_PLAN: CapturePlan = CapturePlanSchema.parse({});

/**
 * Validates a plan (JSON from `--plan`, or code) and fills the defaults; errors name the field.
 * Example: `parsePlan({ rows: { k: 16 } }).rows?.k === 16`.
 */
export function parsePlan(input: unknown, what = 'capture plan'): CapturePlan {
  return parseOrFail(CapturePlanSchema, input ?? {}, what) as CapturePlan;
}

/** The plan as written into the manifest: without the budget, which does not change what is captured. */
export function planIdentity(plan: CapturePlan): Record<string, unknown> {
  const { memory_budget_bytes: _budget, ...rest } = plan;
  return rest;
}

const AUTO_CHUNK_ELEMENTS = 2 ** 23;

/** The chunk size a plan uses for a probe of `tokens` tokens (see `chunk_size`). */
export function chunkSizeFor(plan: CapturePlan, tokens: number): number {
  if (plan.chunk_size !== 'auto') return plan.chunk_size;
  let chunk = 1024;
  while (chunk > 128 && chunk * tokens > AUTO_CHUNK_ELEMENTS) chunk /= 2;
  return chunk;
}
