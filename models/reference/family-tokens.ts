import { FAMILY_HEADER_WORDS, TASK_FAMILIES, type TaskFamily } from '../../analysis/probes/families.ts';

/** The part of a Hugging Face tokenizer.json the builder needs: the BPE vocabulary. */
export interface TokenizerVocab {
  model: { vocab: Record<string, number> };
}

/**
 * Token ids of each family's header words (" word" is one byte-level BPE token, `Ġword`).
 * Throws if a word is not a single token — the family head would then miss it.
 */
export function familyTokenIds(tokenizer: TokenizerVocab): Record<TaskFamily, number[]> {
  const out = {} as Record<TaskFamily, number[]>;
  for (const family of TASK_FAMILIES) {
    out[family] = FAMILY_HEADER_WORDS[family].map((word) => {
      const id = tokenizer.model.vocab[`Ġ${word}`];
      if (id === undefined)
        throw new Error(`family header word " ${word}" (${family}) is not a single token of this tokenizer`);
      return id;
    });
  }
  return out;
}
