import type { MetricsSummary } from './summary.ts';

const f = (x: number, d = 3) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(d));
const ci = (e: { value: number; lo: number; hi: number }, d = 3, unit = '') =>
  `${f(e.value, d)}${unit} [${f(e.lo, d)}, ${f(e.hi, d)}]`;
const sign = (e: { value: number; lo: number; hi: number }, d = 3) => `${e.value >= 0 ? '+' : ''}${ci(e, d)}`;

/** The terminal report: headline findings with their intervals, in plain text (no colour, pipe-safe). */
export function formatReport(s: MetricsSummary): string {
  const lines: string[] = [];
  const pct = Math.round((1 - s.settings.alpha) * 100);
  const where =
    s.settings.select_on === 'half'
      ? `selected on ${s.probes.select.length} probes, reported on the other ${s.probes.report.length} (--select-on half, split seed ${s.settings.split_seed})`
      : `selected and reported on all ${s.probes.n} probes (--select-on none: post hoc)`;
  lines.push(
    `acc-lens metrics — ${s.settings.models.tuned} vs ${s.settings.models.base}, ${s.probes.n} probes (${Object.entries(
      s.probes.by_family,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  lines.push(
    `${pct}% ${s.settings.ci_method} bootstrap CIs over probes (${s.settings.resamples} resamples, seed ${s.settings.seed}); p = paired permutation; ${where}.`,
  );
  lines.push(
    '',
    `Attention — heads ranked by change in evidence lift (query set: ${s.attention.primary_query_set ?? 'none'}):`,
  );
  for (const h of s.attention.top_heads) {
    lines.push(
      `  L${h.layer}H${h.head}: evidence lift tuned ${ci(h.tuned, 2, '×')} vs base ${ci(h.base, 2, '×')}; Δ ${sign(h.delta, 2)}, p = ${f(h.p_value)}, n = ${h.n_probes}`,
    );
  }
  if (s.attention.top_heads.length === 0) lines.push('  (no evidence segments or attention tables in this run)');
  const primary = s.attention.most_changed_layers.filter((c) => c.query_set === s.attention.primary_query_set);
  if (primary.length > 0) {
    lines.push(
      '',
      'Attention — most-changed layers per task (JS divergence of head-averaged distance profiles, bits):',
    );
    for (const fam of [...new Set(primary.map((c) => c.family))]) {
      lines.push(
        `  ${fam.padEnd(12)} ${primary
          .filter((c) => c.family === fam)
          .map((c) => `L${c.layer} ${ci(c.js_bits, 4)}`)
          .join('; ')}`,
      );
    }
  }
  if (s.routing !== null) {
    lines.push('', 'Routing — most-changed layers per task (JS divergence of top-k selection frequencies, bits):');
    for (const fam of [...new Set(s.routing.most_changed_layers.map((c) => c.family))]) {
      lines.push(
        `  ${fam.padEnd(12)} ${s.routing.most_changed_layers
          .filter((c) => c.family === fam)
          .map((c) => `L${c.layer} ${ci(c.js_bits, 4)}`)
          .join('; ')}`,
      );
    }
    lines.push('', 'Routing — I(task; expert) per layer (top-k selections), tuned − base:');
    for (const m of s.routing.mi_gain) {
      lines.push(
        `  layer ${m.layer}: ${sign(m.delta)} bits (tuned ${ci(m.tuned)} vs base ${ci(m.base)}), p = ${f(m.p_value)}${m.selected ? '  ← selected' : ''}`,
      );
    }
    const tops = s.routing.top_experts.filter((t) => t.model === s.settings.models.tuned);
    if (tops.length > 0) {
      lines.push(
        '',
        `Routing — top-${s.settings.top_n_experts} experts of ${s.settings.models.tuned} in each task's most-changed layers:`,
      );
      for (const t of tops) lines.push(`  ${t.family.padEnd(12)} L${t.layer}: ${t.experts.join(', ')}`);
    }
  }
  if (s.behaviour.link !== null) {
    lines.push(
      '',
      `Behaviour — answer log-prob vs evidence lift at L${s.behaviour.link.layer}H${s.behaviour.link.head} across probes:`,
    );
    for (const c of s.behaviour.correlations)
      lines.push(`  ${c.model}: Pearson r ${ci(c.pearson)}, Spearman ρ ${f(c.spearman)}, n = ${c.n_probes}`);
    const d = s.behaviour.delta_correlation;
    if (d !== null)
      lines.push(`  Δ (tuned − base): Pearson r ${ci(d.pearson)}, Spearman ρ ${f(d.spearman)}, n = ${d.n_probes}`);
  }
  lines.push('', `Tables: ${s.tables.join(', ')} (docs/metrics.md). Computed in ${s.seconds.toFixed(1)} s.`);
  return lines.join('\n');
}
