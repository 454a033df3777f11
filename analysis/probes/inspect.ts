import { matcherCeiling, type MatcherCeiling } from './matcher-ceiling.ts';
import { retrievability } from './retrievability.ts';
import type { TokenizedProbe } from './tokenized-probe.ts';

export interface FamilySummary {
  probes: number;
  tokens: { min: number; median: number; max: number };
  segment_kinds: Record<string, number>;
  evidence_distance: { min: number | null; median: number | null; max: number | null };
  retrievability: { answer: number; question: number };
  /** The best evidence mass an n-gram matching head could reach (analysis/probes/matcher-ceiling.ts). */
  matcher_ceiling: { answer: MatcherCeiling; question: MatcherCeiling };
  evidence_missing: number;
}

export interface ProbeSetSummary {
  probes: number;
  /** Probe counts per power-of-two length bin ("<=1k", "<=2k", … "<=128k", ">128k"). */
  length_histogram: Record<string, number>;
  families: Record<string, FamilySummary>;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

function lengthBin(n: number): string {
  for (let k = 1; k <= 128; k *= 2) if (n <= k * 1024) return `<=${k}k`;
  return '>128k';
}

/** Counts per family, a length histogram, segment kinds, evidence distances and mean retrievability. */
export function summarize(probes: readonly TokenizedProbe[]): ProbeSetSummary {
  const histogram: Record<string, number> = {};
  const groups = new Map<string, TokenizedProbe[]>();
  for (const p of probes) {
    histogram[lengthBin(p.n_tokens)] = (histogram[lengthBin(p.n_tokens)] ?? 0) + 1;
    groups.set(p.family, [...(groups.get(p.family) ?? []), p]);
  }
  const families: Record<string, FamilySummary> = {};
  for (const [family, list] of groups) {
    const kinds: Record<string, number> = {};
    const distances: number[] = [];
    let answer = 0;
    let question = 0;
    for (const p of list) {
      for (const s of p.segments) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
      const r = retrievability(p);
      if (r.evidence_distance !== null) distances.push(r.evidence_distance);
      answer += r.answer.fraction;
      question += r.question.fraction;
    }
    const lengths = list.map((p) => p.n_tokens);
    families[family] = {
      probes: list.length,
      tokens: { min: Math.min(...lengths), median: median(lengths) ?? 0, max: Math.max(...lengths) },
      segment_kinds: kinds,
      evidence_distance: {
        min: distances.length > 0 ? Math.min(...distances) : null,
        median: median(distances),
        max: distances.length > 0 ? Math.max(...distances) : null,
      },
      retrievability: { answer: answer / list.length, question: question / list.length },
      matcher_ceiling: { answer: matcherCeiling(list, 'answer'), question: matcherCeiling(list, 'question') },
      evidence_missing: list.filter((p) => p.metadata.evidence_found === false).length,
    };
  }
  return { probes: probes.length, length_histogram: histogram, families };
}
