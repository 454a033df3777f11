import { layersIndex, type FamilyAdapter } from './adapter.ts';
import { mixtral } from './mixtral.ts';
import { olmoe } from './olmoe.ts';
import { qwen3Moe } from './qwen3-moe.ts';

export type { FamilyAdapter } from './adapter.ts';
const FAMILIES: FamilyAdapter[] = [olmoe, mixtral, qwen3Moe];
const GENERIC: FamilyAdapter = { family: 'generic', detect: () => true, layerOf: layersIndex };

/** The first family whose naming the graph matches (checked against node names plus model doc/producer strings). */
export function pickAdapter(names: readonly string[]): FamilyAdapter {
  return FAMILIES.find((f) => f.detect(names)) ?? GENERIC;
}
