import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnitTables, RunInit } from '../../../analysis/io/index.ts';
import type { ProbesBatch, SegmentsBatch, TokensBatch } from '../../../analysis/schema/index.ts';
import { distanceBinEdges } from '../../../analysis/schema/distance-bins.ts';

export const tempDir = (prefix = 'acc-lens-io-'): Promise<string> => mkdtemp(join(tmpdir(), prefix));

const hex = (c: string): string => c.repeat(64);

export const PROBE_IDS = ['mrcr/0001', 'graph walk 2', 'acc_sql-3', 'MRCR/0001'] as const;

export function runInit(overrides: Partial<RunInit> = {}): RunInit {
  return {
    models: {
      base: { path: 'models/base.onnx', sha256: hex('a'), form: 'unfused', execution_provider: 'cpu' },
      tuned: { path: 'models/tuned.onnx', sha256: hex('b'), form: 'unfused', execution_provider: 'cpu' },
    },
    tokenizer: { id: 'Qwen/Qwen3-30B-A3B', sha256: hex('c') },
    probe_set: { path: 'probes/p.jsonl', sha256: hex('d'), n_probes: PROBE_IDS.length },
    plan: { query_sets: ['answer', 'last'], top_k: 4, layers: 'all' },
    ...overrides,
  };
}

export function probeSet(): { probes: ProbesBatch; segments: SegmentsBatch } {
  return {
    probes: {
      probe_id: [...PROBE_IDS],
      family: ['mrcr', 'graphwalks', 'acc_sql', 'mrcr'],
      n_tokens: [64, 48, 40, 64],
      source: ['gen', 'gen', 'acc-dataset', 'gen'],
      answer: ['blue lantern', null, 'SELECT 1', 'x'],
      answer_n_tokens: [2, 0, 3, 1],
      flags: ['', 'synthetic', '', 'synthetic,truncated'],
    },
    segments: {
      probe_id: ['mrcr/0001', 'mrcr/0001', 'graph walk 2', 'acc_sql-3', 'MRCR/0001'],
      segment_index: [0, 1, 0, 0, 0],
      kind: ['evidence', 'question', 'question', 'tool_response', 'question'],
      label: ['ev1', null, null, 'db', null],
      turn: [0, 1, null, 2, null],
      token_start: [0, 50, 0, 0, 0],
      token_end: [50, 64, 48, 40, 64],
      char_start: [0, 200, null, 0, null],
      char_end: [200, 260, null, 150, null],
    },
  };
}

/** Deterministic per-unit tables; `seed` varies values between units. Rows come unsorted on purpose. */
export function unitTables(seed: number, nLayers = 3, nPositions = 16): UnitTables {
  const topK = 2;
  const routing = {
    layer: [] as number[],
    position: [] as number[],
    rank: [] as number[],
    expert: [] as number[],
    gate: [] as number[],
  };
  for (let layer = nLayers - 1; layer >= 0; layer -= 1) {
    for (let position = 0; position < nPositions; position += 1) {
      for (let rank = 0; rank < topK; rank += 1) {
        routing.layer.push(layer);
        routing.position.push(position);
        routing.rank.push(rank);
        routing.expert.push((position * 7 + layer * 3 + rank + seed) % 8);
        routing.gate.push(rank === 0 ? 0.75 : 0.25);
      }
    }
  }
  const edges = distanceBinEdges();
  const distance = {
    layer: [] as number[],
    head: [] as number[],
    query_set: [] as string[],
    bin: [] as number[],
    bin_lo: [] as number[],
    bin_hi: [] as number[],
    mass: [] as number[],
    n_queries: [] as number[],
  };
  for (let layer = 0; layer < nLayers; layer += 1) {
    for (const querySet of ['answer', 'last']) {
      for (let bin = 0; bin < 32; bin += 1) {
        distance.layer.push(layer);
        distance.head.push(0);
        distance.query_set.push(querySet);
        distance.bin.push(bin);
        distance.bin_lo.push(edges[bin]!);
        distance.bin_hi.push(edges[bin + 1]!);
        distance.mass.push(bin === (seed + layer) % 32 ? 1 : 0);
        distance.n_queries.push(querySet === 'last' ? 1 : 3);
      }
    }
  }
  return {
    routing,
    attention_distance: distance,
    attention_segments: {
      layer: [1, 0, 0, 1],
      head: [0, 1, 0, 0],
      query_segment: [1, 1, 1, -1],
      key_segment: [0, -1, 0, 0],
      mass: [0.5 + seed / 100, 0.25, 0.125, 0.0625],
      n_queries: [14, 14, 14, 2],
    },
    attention_rows: {
      layer: [0, 0, 0, 1],
      head: [0, 0, 1, 0],
      query_set: ['last', 'last', 'answer', 'last'],
      query_pos: [63, 63, 62, 63],
      key_pos: [10, 3, 0, 10],
      weight: [0.5, 0.25, 0.9, 0.75],
      row_mass_kept: [0.75, 0.75, 0.9, 0.75],
    },
    answer_logprobs: { answer_index: [1, 0], position: [65, 64], token_id: [1234, 99], logprob: [-0.5, -seed / 10] },
  };
}

/** `tokens` rows for PROBE_IDS: probe i has i + 2 tokens; probe 1 is pre-tokenized (no text). */
export function probeTokens(): TokensBatch {
  const ids = [...PROBE_IDS];
  const per = <T>(f: (i: number, p: number) => T): T[] =>
    ids.flatMap((_, i) => Array.from({ length: i + 2 }, (_, p) => f(i, p)));
  return {
    probe_id: per((i) => ids[i]!),
    position: per((_, p) => p),
    token_id: per((i, p) => 100 * i + p),
    text: per((i, p) => (i === 1 ? null : `t${p}`)),
    char_start: per((i, p) => (i === 1 ? null : 2 * p)),
    char_end: per((i, p) => (i === 1 ? null : 2 * p + 2)),
  };
}
