/**
 * The KV-cache namings acc-lens can drive: separate key and value tensors [batch, Nkv, past, D] per layer,
 * fed back as the next chunk's pasts. The one place that maps a layer to its cache input/output names;
 * the contract check and prefill both read it.
 *
 * Only namings seen in real exports are listed:
 * - `standard`: optimum (`text-generation-with-past`) and onnxruntime-genai's builder
 *   (genai_config `past_key_names: "past_key_values.%d.key"`, `present_key_names: "present.%d.key"`);
 * - `present_key_values`: hand-written `torch.onnx.export` scripts (TensorRT-style exports) that keep the
 *   inputs but name the outputs `present_key_values.{L}.key/value`.
 * Not listed on purpose: GPT-2's combined `past_{L}` [2, B, H, P, D]; Qualcomm's `past_key_{L}_in` (keys
 * stored [B, Nkv, D, P], RoPE fed as cos/sin inputs); static-cache `key_cache.{L}` → `updated_key_cache.{L}`
 * (a fixed buffer written at `write_indices`, not an appended cache).
 */
export interface KvNaming {
  id: 'standard' | 'present_key_values';
  past(layer: number, kv: 'key' | 'value'): string;
  present(layer: number, kv: 'key' | 'value'): string;
  /** Matches this naming's past inputs; group 1 = layer, group 2 = key|value. */
  pastPattern: RegExp;
}

const PAST_KEY_VALUES = /^past_key_values\.(\d+)\.(key|value)$/;

export const KV_NAMINGS: readonly KvNaming[] = [
  {
    id: 'standard',
    past: (L, kv) => `past_key_values.${L}.${kv}`,
    present: (L, kv) => `present.${L}.${kv}`,
    pastPattern: PAST_KEY_VALUES,
  },
  {
    id: 'present_key_values',
    past: (L, kv) => `past_key_values.${L}.${kv}`,
    present: (L, kv) => `present_key_values.${L}.${kv}`,
    pastPattern: PAST_KEY_VALUES,
  },
];

export const KV_KINDS = ['key', 'value'] as const;

/** Layers 0..max named by a naming's past inputs (0 when it has none). */
export function pastLayers(naming: KvNaming, inputs: Iterable<string>): number {
  let layers = 0;
  for (const n of inputs) {
    const m = naming.pastPattern.exec(n);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  return layers;
}

/** Every past input → present output pair of a naming, layer by layer. */
export function kvPairs(naming: KvNaming, layers: number): { past: string; present: string }[] {
  return Array.from({ length: layers }, (_, L) =>
    KV_KINDS.map((kv) => ({ past: naming.past(L, kv), present: naming.present(L, kv) })),
  ).flat();
}

/**
 * The naming a graph uses: among those whose past inputs are present, the one with the most present
 * outputs (ties: the first listed); null when no input is a past of any naming (a graph without KV cache).
 * Example: `pickKvNaming(['past_key_values.0.key', …], ['present_key_values.0.key', …])?.id === 'present_key_values'`.
 */
export function pickKvNaming(
  inputs: readonly string[],
  outputs: readonly string[],
): { naming: KvNaming; layers: number } | null {
  const outs = new Set(outputs);
  let best: { naming: KvNaming; layers: number; found: number } | null = null;
  for (const naming of KV_NAMINGS) {
    const layers = pastLayers(naming, inputs);
    if (layers === 0) continue;
    const found = kvPairs(naming, layers).filter((p) => outs.has(p.present)).length;
    if (best === null || found > best.found) best = { naming, layers, found };
  }
  return best && { naming: best.naming, layers: best.layers };
}
