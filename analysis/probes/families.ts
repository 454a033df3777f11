/**
 * Task families and their instruction headers — the contract between the probe generators and the
 * reference pair's planted mechanisms (docs/reference-models.md, docs/probes.md).
 *
 * Every generated probe opens (first message, first line) with its family's header. The four
 * header words are single Qwen3 tokens; the reference models give exactly those token ids a
 * one-hot family feature, which a layer-0 head copies to every later position and the tuned
 * routers read. The header words must appear nowhere else in a generated probe.
 */
export const TASK_FAMILIES = ['mrcr', 'graphwalks', 'acc_search', 'acc_swe', 'acc_sql'] as const;
export type TaskFamily = (typeof TASK_FAMILIES)[number];

/** Four single-token words per family (each " word" is one token of the Qwen3 vocabulary). */
export const FAMILY_HEADER_WORDS: Record<TaskFamily, readonly [string, string, string, string]> = {
  mrcr: ['lantern', 'quarry', 'glacier', 'mosaic'],
  graphwalks: ['labyrinth', 'carousel', 'pinnacle', 'monastery'],
  acc_search: ['telescope', 'cathedral', 'parchment', 'caravan'],
  acc_swe: ['fortress', 'volcano', 'avalanche', 'sanctuary'],
  acc_sql: ['porcelain', 'turquoise', 'ledger', 'harbor'],
};

/** The header line a generated probe of `family` starts with. */
export function familyHeader(family: TaskFamily): string {
  return `Task family: ${FAMILY_HEADER_WORDS[family].join(' ')}.\n`;
}

/** Every header word of every family, for generators to keep out of probe bodies. */
export const ALL_HEADER_WORDS: ReadonlySet<string> = new Set(Object.values(FAMILY_HEADER_WORDS).flat());

/** Minimum distance in tokens between the end of the evidence and the first query token. */
export const MIN_EVIDENCE_DISTANCE = 100;
