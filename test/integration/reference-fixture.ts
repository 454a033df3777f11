import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openModel, type ModelSession } from '../../analysis/capture/session.ts';
import { defaultTokenizerDir } from '../../analysis/tokenize/load.ts';
import { createRng, type Rng } from '../../analysis/stats/rng.ts';
import { buildQwen3MoeGraph } from '../../models/qwen3-moe/build-graph.ts';
import { buildReferencePair, type ReferencePair } from '../../models/reference/build-pair.ts';
import type { TokenizerVocab } from '../../models/reference/family-tokens.ts';
import { tempFile } from '../unit/onnx/tiny-model.ts';

export const tokenizerJson = (): string => readFileSync(join(defaultTokenizerDir(), 'tokenizer.json'), 'utf8');
export const tokenizerConfig = (): string => readFileSync(join(defaultTokenizerDir(), 'tokenizer_config.json'), 'utf8');

let cached: ReferencePair | undefined;
/** The reference pair's weights, built once per test file (≈ 2 s). */
export function referencePair(): ReferencePair {
  cached ??= buildReferencePair(JSON.parse(tokenizerJson()) as TokenizerVocab);
  return cached;
}

/** An unfused graph of one model that also outputs attn_probs.{L}, router_probs.{L}, router_top_k.{L}. */
export async function debugSession(model: 'base' | 'tuned'): Promise<ModelSession> {
  const bytes = buildQwen3MoeGraph(referencePair()[model], {
    form: 'unfused',
    exposeAttentionProbs: true,
    exposeRouting: true,
  });
  return openModel(tempFile(`${model}.debug.onnx`, bytes), { ep: 'cpu' });
}

/** Ordinary (non-special) token ids that are not family-header tokens. */
export function fillerSampler(pair: ReferencePair, rng: Rng): () => number {
  const header = new Set(Object.values(pair.familyIds).flat());
  return () => {
    for (;;) {
      const id = rng.int(151_643);
      if (!header.has(id)) return id;
    }
  };
}

export interface HandPlaced {
  ids: number[];
  evidence: { start: number; end: number };
  queries: number[]; // positions whose tokens copy evidence tokens
}

/**
 * Random filler of length T, an evidence span of `evidenceLength` fresh token ids ending
 * `distance` tokens before the first query, and `queryCount` query tokens copying evidence tokens
 * at the end — evidence placed by hand.
 */
export function handPlacedEvidence(
  T: number,
  distance: number,
  seed: number,
  evidenceLength = 16,
  queryCount = 8,
): HandPlaced {
  const pair = referencePair();
  const rng = createRng(seed);
  const filler = fillerSampler(pair, rng);
  const ids = Array.from({ length: T }, filler);
  const qStart = T - queryCount;
  const evEnd = qStart - distance;
  const evStart = evEnd - evidenceLength;
  if (evStart < 0) throw new Error(`evidence at distance ${distance} does not fit in ${T} tokens`);
  const fresh = new Set<number>();
  while (fresh.size < evidenceLength) fresh.add(filler());
  const evidenceIds = [...fresh];
  // Fresh ids must not occur in the filler, or they would be evidence elsewhere too.
  for (let i = 0; i < T; i++) while (fresh.has(ids[i]!)) ids[i] = filler();
  evidenceIds.forEach((id, i) => {
    ids[evStart + i] = id;
  });
  const queries: number[] = [];
  for (let i = 0; i < queryCount; i++) {
    ids[qStart + i] = evidenceIds[i % evidenceLength]!;
    queries.push(qStart + i);
  }
  return { ids, evidence: { start: evStart, end: evEnd }, queries };
}

/** Mean over query positions of the attention mass a row gives to [start, end). */
export function meanSpanMass(rows: Float64Array[] | Float32Array[], span: { start: number; end: number }): number {
  let total = 0;
  for (const row of rows) {
    let s = 0;
    for (let j = span.start; j < span.end; j++) s += row[j]!;
    total += s;
  }
  return total / rows.length;
}
