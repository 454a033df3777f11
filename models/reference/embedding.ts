import type { Rng } from '../../analysis/stats/rng.ts';
import { TASK_FAMILIES, type TaskFamily } from '../../analysis/probes/families.ts';
import type { GraphTokenIds } from './graph-tokens.ts';
import { REFERENCE_CONFIG as C, RESIDUAL, rangeIndices } from './layout.ts';

/** Generic-content scale: keeps the code and constant a steady share of every token's RMS. */
export const GENERIC_EMBED_STD = 0.5;

/**
 * Token embedding [V, H]: a random code of norm √30 per token id (no near-twins among the
 * 151k ids with 30 dims), the same code again in OUT (the tied unembedding reads only OUT, so
 * logit(v) ∝ code(v)·OUT), a constant 1, generic content, for family-header tokens a
 * one-hot family plus a marker, and the GraphWalks circuit's flags (hex piece, " node", " with",
 * " parents", " BFS").
 */
export function buildEmbedding(
  rng: Rng,
  familyIds: Record<TaskFamily, number[]>,
  graphIds: GraphTokenIds,
): Float32Array {
  const V = C.vocab_size,
    H = C.hidden_size;
  const embed = new Float32Array(V * H);
  const codeDims = rangeIndices(RESIDUAL.CODE);
  const outDims = rangeIndices(RESIDUAL.OUT);
  const generic = rangeIndices(RESIDUAL.GENERIC);
  const code = new Float64Array(codeDims.length);
  for (let t = 0; t < V; t++) {
    const row = t * H;
    let norm = 0;
    for (let i = 0; i < code.length; i++) {
      code[i] = rng.normal();
      norm += code[i]! ** 2;
    }
    const scale = Math.sqrt(code.length / norm);
    codeDims.forEach((d, i) => {
      embed[row + d] = embed[row + outDims[i]!] = code[i]! * scale;
    });
    embed[row + RESIDUAL.CONST] = 1;
    for (const d of generic) embed[row + d] = rng.normal() * GENERIC_EMBED_STD;
  }
  TASK_FAMILIES.forEach((family, f) => {
    for (const id of familyIds[family]) {
      embed[id * H + RESIDUAL.FAMILY_SOURCE.start + f] = 1;
      embed[id * H + RESIDUAL.MARKER] = 1;
    }
  });
  for (const id of graphIds.hex) embed[id * H + RESIDUAL.HEX] = 1;
  embed[graphIds.node * H + RESIDUAL.NODE_WORD] = 1;
  embed[graphIds.with * H + RESIDUAL.WITH_WORD] = 1;
  embed[graphIds.parents * H + RESIDUAL.PARENTS_WORD] = 1;
  embed[graphIds.bfs * H + RESIDUAL.BFS_WORD] = 1;
  return embed;
}

/** The code (CODE dims) the embedding gave token `id`. */
export function tokenCode(embed: Float32Array, id: number): Float64Array {
  const row = id * C.hidden_size + RESIDUAL.CODE.start;
  return Float64Array.from(embed.subarray(row, row + RESIDUAL.CODE.end - RESIDUAL.CODE.start));
}
