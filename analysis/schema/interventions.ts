import { z } from 'zod';

/** A (layer, head) pair of query heads. */
const HeadRef = z.object({ layer: z.number().int().min(0), head: z.number().int().min(0) }).strict();
/** A (layer, expert) pair. */
const ExpertRef = z.object({ layer: z.number().int().min(0), expert: z.number().int().min(0) }).strict();

/**
 * One intervention: a model of the pair (`model`) run with any of — ablated query heads (zero or mean), experts removed
 * from the top-k choice (the rest renormalised), experts forced into it, and the routers of chosen layers
 * taken from the other model. Its units are captured under the model name `<model>.<name>`.
 */
export const InterventionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, _ and - (≤ 41 characters)'),
    model: z.enum(['base', 'tuned']),
    ablate_heads: z.array(HeadRef).default([]),
    /** How `ablate_heads` are ablated: outputs zeroed, or replaced by their mean over the positions of each forward pass. */
    head_ablation: z.enum(['zero', 'mean']).default('zero'),
    mask_experts: z.array(ExpertRef).default([]),
    force_experts: z.array(ExpertRef).default([]),
    routers_from: z
      .object({ model: z.enum(['base', 'tuned']), layers: z.array(z.number().int().min(0)).min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (iv) =>
      iv.ablate_heads.length + iv.mask_experts.length + iv.force_experts.length > 0 || iv.routers_from !== undefined,
    { message: 'an intervention needs ablate_heads, mask_experts, force_experts or routers_from' },
  )
  .refine((iv) => iv.routers_from === undefined || iv.routers_from.model !== iv.model, {
    message: 'routers_from.model must be the other model of the pair',
  });
export type Intervention = z.infer<typeof InterventionSchema>;

/** The --spec file of `acc-lens intervene`. */
export const InterventionSpecSchema = z
  .object({
    interventions: z
      .array(InterventionSchema)
      .min(1)
      .refine((ivs) => new Set(ivs.map((i) => i.name)).size === ivs.length, {
        message: 'intervention names must be unique',
      }),
  })
  .strict();
export type InterventionSpec = z.infer<typeof InterventionSpecSchema>;
/** A spec as written (defaults not yet filled). */
export type InterventionSpecInput = z.input<typeof InterventionSpecSchema>;

/** RUN/interventions.json: which unit model is which intervention (written after the capture). */
export const INTERVENTIONS_FILE = 'interventions.json';
export const InterventionsFileSchema = z
  .object({
    schema: z.literal('acc-lens.interventions/1'),
    interventions: z.array(InterventionSchema.and(z.object({ unit_model: z.string() }))),
  })
  .strict();
export type InterventionsFile = z.infer<typeof InterventionsFileSchema>;

/** The model name an intervention's units are captured under. */
export const interventionUnitModel = (iv: Pick<Intervention, 'model' | 'name'>): string => `${iv.model}.${iv.name}`;
