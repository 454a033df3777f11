import { createHash } from 'node:crypto';
import { AccLensError } from '../errors.ts';
import { readFileBytes } from '../io/local-files.ts';
import { parseJsonl } from '../probes/jsonl.ts';
import { isPretokenized, ProbeSchema, type Probe } from '../probes/schema.ts';
import type { ProbesBatch } from '../schema/probes.ts';
import type { SegmentsBatch } from '../schema/segments.ts';
import { tokenizeProbe, type TokenizedProbe } from '../tokenize/tokenize-probe.ts';
import type { TextTokenizer } from '../tokenize/tokenizer.ts';

export interface LoadedProbeSet {
  path: string;
  sha256: string;
  probes: Probe[];
  tokenized: TokenizedProbe[];
  /** The tokenizer used; null when every probe is pre-tokenized and none was given. */
  tokenizer: TextTokenizer | null;
}

/**
 * Reads a probe JSONL file (schema in analysis/probes/schema.ts) and tokenizes every probe once: the
 * same ids go through every model. A tokenizer given as a function is loaded only if a probe is text:
 * pre-tokenized probes need none. Example: `await loadProbeSet('probes/mrcr.jsonl', () => loadTokenizer())`.
 */
export async function loadProbeSet(
  path: string,
  tokenizer: TextTokenizer | (() => TextTokenizer),
): Promise<LoadedProbeSet> {
  const bytes = await readFileBytes(
    path,
    'probe file',
    'Generate one with `acc-lens probes mrcr --n 8 --tokens 2000 --out probes.jsonl`.',
  );
  const { rows } = parseJsonl(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), path, ProbeSchema);
  if (rows.length === 0) throw new AccLensError('E_JSONL_INVALID', `${path} holds no probes`);
  const probes = rows.map((r) => r.value);
  const seen = new Set<string>();
  for (const p of probes) {
    if (seen.has(p.id)) throw new AccLensError('E_JSONL_INVALID', `${path}: probe id "${p.id}" occurs twice`);
    seen.add(p.id);
  }
  const tok = typeof tokenizer !== 'function' ? tokenizer : probes.every(isPretokenized) ? null : tokenizer();
  return {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    probes,
    tokenized: probes.map((p) => tokenizeProbe(tok, p)),
    tokenizer: tok,
  };
}

const flagsOf = (p: Probe): string => {
  const f = p.metadata.flags;
  return Array.isArray(f)
    ? f
        .filter((x): x is string => typeof x === 'string')
        .sort()
        .join(',')
    : '';
};

/** The run-level `probes` and `segments` tables (docs/run-store.md) of a tokenized probe set. */
export function probeSetTables(
  probes: readonly Probe[],
  tokenized: readonly TokenizedProbe[],
): { probes: ProbesBatch; segments: SegmentsBatch } {
  const seg = {
    probe_id: [] as string[],
    segment_index: [] as number[],
    kind: [] as string[],
    label: [] as (string | null)[],
    turn: [] as (number | null)[],
    token_start: [] as number[],
    token_end: [] as number[],
    char_start: [] as (number | null)[],
    char_end: [] as (number | null)[],
  };
  tokenized.forEach((t) =>
    t.segments.forEach((s, i) => {
      seg.probe_id.push(t.id);
      seg.segment_index.push(i);
      seg.kind.push(s.kind);
      seg.label.push(s.label === '' ? null : s.label);
      seg.turn.push(s.turn);
      seg.token_start.push(s.token_start);
      seg.token_end.push(s.token_end);
      seg.char_start.push(s.char_start);
      seg.char_end.push(s.char_end);
    }),
  );
  return {
    probes: {
      probe_id: tokenized.map((t) => t.id),
      family: tokenized.map((t) => t.family),
      n_tokens: tokenized.map((t) => t.prompt_tokens),
      source: tokenized.map((t) => t.source),
      answer: probes.map((p) => (p.answer === '' ? null : p.answer)),
      answer_n_tokens: tokenized.map((t) => t.answer_span.end - t.answer_span.start),
      flags: probes.map(flagsOf),
    },
    segments: seg,
  };
}
