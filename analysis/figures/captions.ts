import type { MetricsSummary } from '../metrics/run/summary.ts';

/** How the intervals were computed, in one sentence. */
export function ciSentence(s: MetricsSummary): string {
  return `Intervals: ${Math.round((1 - s.settings.alpha) * 100)}% ${s.settings.ci_method === 'bca' ? 'bias-corrected and accelerated (BCa)' : 'percentile'} bootstrap over probes (${s.settings.resamples} resamples, stratified by task family; base and tuned resampled together, so Δ intervals are paired); p-values: paired permutation test (${s.settings.permutations} swaps, or exact), seed ${s.settings.seed}.`;
}

/** Which probes chose the layers/heads shown and which report them. */
export function selectionSentence(s: MetricsSummary): string {
  return s.settings.select_on === 'half'
    ? `Selection: layers and heads were ranked on the selection half (${s.probes.select.length} probes) and the headline numbers reported on the other half (${s.probes.report.length} probes; split seed ${s.settings.split_seed}); the plotted values use all ${s.probes.n} probes.`
    : `Selection: post hoc on all ${s.probes.n} probes (--select-on none), as in the ACC paper; intervals of selected layers are therefore optimistic.`;
}

/** Probe counts per family. */
export function probesSentence(s: MetricsSummary, families: readonly string[]): string {
  return `Probes: ${families.map((f) => `${f} n = ${s.probes.by_family[f] ?? 0}`).join(', ')} (${s.probes.n} in all).`;
}

/** The caption file: what is plotted, then the statistical details. */
export function caption(title: string, lines: (string | null | false)[]): string {
  return `# ${title}\n\n${lines.filter((l): l is string => typeof l === 'string' && l !== '').join('\n\n')}\n`;
}
