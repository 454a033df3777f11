import { ATTENTION_ROWS } from '../../../analysis/schema/attention-rows.ts';
import { ATTENTION_SEGMENTS } from '../../../analysis/schema/attention-segments.ts';
import { META } from '../../../analysis/schema/metadata.ts';
import { ROUTING } from '../../../analysis/schema/routing.ts';
import { TOKENS } from '../../../analysis/schema/tokens.ts';
import type { UnitEntry } from '../../../analysis/schema/manifest.ts';
import { narrow, openBatched, readLayer, type BatchedFile } from './arrow-read.ts';
import type { Columns } from './arrow-read.ts';
import { numbers, strings } from './columns.ts';
import { RunDataError, type RunFiles } from './run-files.ts';

/** Opened batched files, by path: a probe's parts are opened once and read layer by layer. */
export class BatchedCache {
  private readonly open = new Map<string, Promise<BatchedFile | null>>();
  constructor(readonly files: RunFiles) {}
  get(path: string): Promise<BatchedFile | null> {
    let f = this.open.get(path);
    if (f === undefined) {
      f = openBatched(this.files, path);
      this.open.set(path, f);
      f.catch(() => this.open.delete(path));
    }
    return f;
  }
}

export interface ProbeTokens {
  ids: Int32Array;
  /** Token text; null for pre-tokenized probes. */
  text: (string | null)[];
}

/** One probe's tokens from `tokens.arrow` (one record batch); null when the run predates that table. */
export async function loadProbeTokens(cache: BatchedCache, probeId: string): Promise<ProbeTokens | null> {
  const file = await cache.get('tokens.arrow');
  if (file === null) return null;
  const index = file.batchKeys<string>(META.batchProbes).indexOf(probeId);
  if (index < 0) return null;
  const cols = await file.readBatch(index, narrow(TOKENS, ['token_id', 'text']));
  return { ids: Int32Array.from(numbers(cols, 'token_id')), text: [...strings(cols, 'text')] };
}

const partPath = (unit: UnitEntry, table: string): string => {
  const file = `${unit.dir}/${table}.arrow`;
  if (!unit.files.includes(file))
    throw new RunDataError(
      file,
      `is not part of unit ${unit.model}/${unit.probe_id} (its capture plan did not keep ${table})`,
      'Recapture with a plan that keeps it (docs/capture.md).',
    );
  return file;
};

/** Kept attention rows of one layer (all heads and query sets) of one unit. */
export interface AttentionLayer {
  head: Int16Array;
  querySet: readonly (string | null)[];
  queryPos: Int32Array;
  keyPos: Int32Array;
  weight: Float32Array;
  rowMassKept: Float32Array;
}

// What the page uses of each part (the unit's model and probe id, the layer, are known).
const ATTENTION_ROW_COLUMNS = narrow(ATTENTION_ROWS, [
  'head',
  'query_set',
  'query_pos',
  'key_pos',
  'weight',
  'row_mass_kept',
]);
const SEGMENT_COLUMNS = narrow(ATTENTION_SEGMENTS, ['head', 'query_segment', 'key_segment', 'mass', 'n_queries']);
const ROUTING_COLUMNS = narrow(ROUTING, ['position', 'rank', 'expert']);

export async function loadAttentionLayer(
  cache: BatchedCache,
  unit: UnitEntry,
  layer: number,
): Promise<AttentionLayer | null> {
  const path = partPath(unit, 'attention_rows');
  const file = await cache.get(path);
  if (file === null)
    throw new RunDataError(path, 'is missing', 'Run `acc-lens capture` again on the run; the unit will be redone.');
  const cols = await readLayer(file, layer, ATTENTION_ROW_COLUMNS);
  if (cols === null) return null;
  return {
    head: Int16Array.from(numbers(cols, 'head')),
    querySet: strings(cols, 'query_set'),
    queryPos: Int32Array.from(numbers(cols, 'query_pos')),
    keyPos: Int32Array.from(numbers(cols, 'key_pos')),
    weight: Float32Array.from(numbers(cols, 'weight')),
    rowMassKept: Float32Array.from(numbers(cols, 'row_mass_kept')),
  };
}

/** The query rows a strip shows: one head, one query set, one query position or the mean of the set's rows. */
export interface RowChoice {
  head: number;
  querySet: string;
  /** null = mean over every kept row of the set (each row weighs 1 / rows). */
  queryPos: number | null;
}

export interface SelectedRows {
  keys: Int32Array;
  weights: Float32Array;
  /** Query positions of the set (sorted), so the page can offer them. */
  queryPositions: number[];
  rows: number;
  /** Mean kept mass of the chosen rows (1 − what top-k dropped). */
  keptMass: number;
}

/** Picks the chosen rows out of a layer's kept rows. */
export function selectRows(a: AttentionLayer, choice: RowChoice): SelectedRows {
  const positions = new Set<number>();
  const idx: number[] = [];
  for (let i = 0; i < a.head.length; i++) {
    if (a.head[i] !== choice.head || a.querySet[i] !== choice.querySet) continue;
    positions.add(a.queryPos[i]!);
    if (choice.queryPos === null || a.queryPos[i] === choice.queryPos) idx.push(i);
  }
  const chosen = new Set(idx.map((i) => a.queryPos[i]!));
  const rows = chosen.size;
  const scale = rows === 0 ? 0 : 1 / rows;
  let kept = 0;
  const seen = new Set<number>();
  for (const i of idx)
    if (!seen.has(a.queryPos[i]!)) {
      seen.add(a.queryPos[i]!);
      kept += a.rowMassKept[i]!;
    }
  return {
    keys: Int32Array.from(idx, (i) => a.keyPos[i]!),
    weights: Float32Array.from(idx, (i) => a.weight[i]! * scale),
    queryPositions: [...positions].sort((x, y) => x - y),
    rows,
    keptMass: rows === 0 ? 0 : kept / rows,
  };
}

/** The rank-0 expert of every MoE layer and token of one unit, as a dense grid (what the routing strip draws). */
export interface RoutingGrid {
  layers: number[];
  positions: number;
  /** Experts per token (top-k). */
  k: number;
  /** [layer index × position] rank-0 expert (−1 where a token has no routing). */
  top1: Int16Array;
  /** Highest expert id seen at any rank. */
  maxExpert: number;
}

/** Layers read at once: their Range requests overlap while earlier layers are decoded. */
const PARALLEL_LAYERS = 4;

/**
 * Reads a unit's `routing` part: every layer's position, rank and expert columns (only their
 * bytes are fetched), a few layers at a time; `onLayer` reports progress.
 */
export async function loadRoutingGrid(
  cache: BatchedCache,
  unit: UnitEntry,
  positions: number,
  onLayer?: (done: number, total: number) => void,
): Promise<RoutingGrid | null> {
  const path = partPath(unit, 'routing');
  const file = await cache.get(path);
  if (file === null)
    throw new RunDataError(path, 'is missing', 'Run `acc-lens capture` again on the run; the unit will be redone.');
  const layers = file.batchKeys<number>(META.batchLayers);
  if (layers.length === 0) return null;
  const top1 = new Int16Array(layers.length * positions).fill(-1);
  let [k, maxExpert, done, next] = [0, 0, 0, 0];
  const fill = (li: number, cols: Columns) => {
    const pos = numbers(cols, 'position');
    const rank = numbers(cols, 'rank');
    const expert = numbers(cols, 'expert');
    for (let i = 0; i < pos.length; i++) {
      const e = expert[i]!;
      if (rank[i]! >= k) k = rank[i]! + 1;
      if (e > maxExpert) maxExpert = e;
      if (rank[i] === 0 && pos[i]! < positions) top1[li * positions + pos[i]!] = e;
    }
    onLayer?.(++done, layers.length);
  };
  const worker = async () => {
    for (let li = next++; li < layers.length; li = next++) fill(li, await file.readBatch(li, ROUTING_COLUMNS));
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LAYERS, layers.length) }, worker));
  return { layers, positions, k, top1, maxExpert };
}

/** Segment-to-segment attention mass of one layer and head (query segment × key segment). */
export interface SegmentMass {
  querySegment: Int32Array;
  keySegment: Int32Array;
  mass: Float32Array;
  nQueries: Int32Array;
}

export async function loadSegmentMass(
  cache: BatchedCache,
  unit: UnitEntry,
  layer: number,
  head: number,
): Promise<SegmentMass | null> {
  const path = partPath(unit, 'attention_segments');
  const file = await cache.get(path);
  if (file === null)
    throw new RunDataError(path, 'is missing', 'Run `acc-lens capture` again on the run; the unit will be redone.');
  const cols = await readLayer(file, layer, SEGMENT_COLUMNS);
  if (cols === null) return null;
  const h = numbers(cols, 'head');
  const idx: number[] = [];
  for (let i = 0; i < h.length; i++) if (h[i] === head) idx.push(i);
  const pick = <T extends Int32Array | Float32Array>(name: string, make: (n: number) => T): T => {
    const src = numbers(cols, name);
    const out = make(idx.length);
    idx.forEach((i, j) => (out[j] = src[i]!));
    return out;
  };
  return {
    querySegment: pick('query_segment', (n) => new Int32Array(n)),
    keySegment: pick('key_segment', (n) => new Int32Array(n)),
    mass: pick('mass', (n) => new Float32Array(n)),
    nQueries: pick('n_queries', (n) => new Int32Array(n)),
  };
}
