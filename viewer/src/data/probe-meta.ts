import type { StripSegment } from '../charts/segments.ts';
import { numbers, rowCount, strings } from './columns.ts';
import type { RunIndex } from './run-index.ts';

export interface ProbeMeta {
  id: string;
  family: string;
  source: string;
  /** Prompt tokens; the answer follows (positions promptTokens … nTokens − 1). */
  promptTokens: number;
  nTokens: number;
  answer: string | null;
  flags: string;
  segments: StripSegment[];
}

/** Every probe of the run with its segments, in probe-set order. */
export function probeMetas(index: RunIndex): ProbeMeta[] {
  const p = index.probes;
  const segs = new Map<string, StripSegment[]>();
  const sid = strings(index.segments, 'probe_id');
  for (let i = 0; i < rowCount(index.segments); i++) {
    const list = segs.get(sid[i]!) ?? [];
    list.push({
      kind: strings(index.segments, 'kind')[i]!,
      label: strings(index.segments, 'label')[i] ?? null,
      start: numbers(index.segments, 'token_start')[i]!,
      end: numbers(index.segments, 'token_end')[i]!,
    });
    segs.set(sid[i]!, list);
  }
  return strings(p, 'probe_id').map((id, i) => ({
    id: id!,
    family: strings(p, 'family')[i]!,
    source: strings(p, 'source')[i]!,
    promptTokens: numbers(p, 'n_tokens')[i]!,
    nTokens: numbers(p, 'n_tokens')[i]! + numbers(p, 'answer_n_tokens')[i]!,
    answer: strings(p, 'answer')[i] ?? null,
    flags: strings(p, 'flags')[i] ?? '',
    segments: segs.get(id!) ?? [],
  }));
}

/** Distance from the first evidence token to the first answer token (how far the model must look back). */
export function evidenceDistance(meta: ProbeMeta): number | null {
  const ev = meta.segments.filter((s) => s.kind === 'evidence');
  if (ev.length === 0) return null;
  return meta.promptTokens - Math.min(...ev.map((s) => s.start));
}
