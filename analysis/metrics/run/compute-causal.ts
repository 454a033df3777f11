import { decodeTable } from '../../schema/decode.ts';
import type { InterventionsFile } from '../../schema/interventions.ts';
import { TABLES } from '../../schema/tables.ts';
import type { Estimate } from '../../stats/bootstrap.ts';
import { createRng } from '../../stats/rng.ts';
import { answerLogprob } from '../answer-logprob.ts';
import { causalEffect } from '../causal-effects.ts';
import type { MetricsOptions } from './options.ts';
import { push, rowsOf, type Rows } from './rows.ts';
import type { MetricsSource } from './source.ts';

/** One intervention's effect over all probes (the summary's causal section). */
export interface CausalSummaryItem {
  intervention: string;
  unit_model: string;
  model: 'base' | 'tuned';
  what: string;
  effect: Estimate;
  p_value: number;
  gain: Estimate;
  share: Estimate;
  share_kind: 'removed' | 'brought';
  n_probes: number;
}

export interface CausalResult {
  rows: Rows;
  summary: CausalSummaryItem[];
}

const describe = (iv: InterventionsFile['interventions'][number]): string =>
  [
    iv.ablate_heads.length > 0
      ? `${iv.head_ablation}-ablate ${iv.ablate_heads.map((h) => `L${h.layer}H${h.head}`).join(' ')}`
      : '',
    iv.mask_experts.length > 0 ? `mask ${iv.mask_experts.map((e) => `L${e.layer}E${e.expert}`).join(' ')}` : '',
    iv.force_experts.length > 0 ? `force ${iv.force_experts.map((e) => `L${e.layer}E${e.expert}`).join(' ')}` : '',
    iv.routers_from ? `${iv.routers_from.model} routers in layers ${iv.routers_from.layers.join(', ')}` : '',
  ]
    .filter((s) => s !== '')
    .join('; ');

/**
 * The causal tables of an intervention run (docs/metrics.md#causal-effects): per intervention and family
 * (and all probes), the effect on mean answer log-prob with a paired bootstrap CI and a sign-flip
 * p-value, and the share of the tuned − base gain it removes (rewrites of tuned) or brings (rewrites of base).
 * Probes missing any of base, tuned or the intervention are left out.
 */
export async function computeCausal(
  source: MetricsSource,
  file: InterventionsFile,
  options: MetricsOptions,
): Promise<CausalResult> {
  const table = decodeTable(TABLES.probes, await source.probes());
  const probes = { ids: table.probe_id as string[], families: table.family as string[] };
  const [baseName, tunedName] = options.models;
  const meanOf = async (model: string): Promise<Float64Array> => {
    const out = new Float64Array(probes.ids.length).fill(Number.NaN);
    for (const [i, id] of probes.ids.entries()) {
      if (!source.has('answer_logprobs', model, id)) continue;
      const a = answerLogprob(
        decodeTable(TABLES.answer_logprobs, await source.unit('answer_logprobs', model, id)).logprob as Float32Array,
      );
      if (a.n > 0) out[i] = a.mean;
    }
    return out;
  };
  const base = await meanOf(baseName);
  const tuned = await meanOf(tunedName);
  const familyNames = [...new Set(probes.families)];
  const family = Int32Array.from(probes.families, (f) => familyNames.indexOf(f));
  const rows = rowsOf([
    'intervention',
    'unit_model',
    'model',
    'what',
    'family',
    'n_probes',
    'effect',
    'effect_lo',
    'effect_hi',
    'p_value',
    'gain',
    'gain_lo',
    'gain_hi',
    'share',
    'share_lo',
    'share_hi',
    'share_kind',
  ]);
  const summary: CausalSummaryItem[] = [];
  // One resampling stream per family, the same for every intervention: all of them are bootstrapped over
  // the same resampled probe sets, so the gain's CI is one number and the effects are comparable row to row.
  const rngFor = (family: string) => createRng(options.seed).fork(`causal/${family}`);
  for (const iv of file.interventions) {
    const intervened = await meanOf(iv.unit_model);
    const ok = Uint8Array.from(intervened, (v, i) =>
      Number(Number.isFinite(v) && Number.isFinite(base[i]!) && Number.isFinite(tuned[i]!)),
    );
    const clean = (xs: Float64Array) => Float64Array.from(xs, (v) => (Number.isFinite(v) ? v : 0));
    const input = { family, base: clean(base), tuned: clean(tuned), intervened: clean(intervened), parent: iv.model };
    const shareKind = iv.model === 'tuned' ? 'removed' : 'brought';
    for (const fam of ['all', ...familyNames]) {
      const include = Uint8Array.from(ok, (v, i) => (v && (fam === 'all' || probes.families[i] === fam) ? 1 : 0));
      if (!include.some((v) => v === 1)) continue;
      const e = causalEffect(input, include, { ...options, rng: rngFor(fam) });
      push(rows, {
        intervention: iv.name,
        unit_model: iv.unit_model,
        model: iv.model,
        what: describe(iv),
        family: fam,
        n_probes: e.nProbes,
        effect: e.effect.value,
        effect_lo: e.effect.lo,
        effect_hi: e.effect.hi,
        p_value: e.pValue,
        gain: e.gain.value,
        gain_lo: e.gain.lo,
        gain_hi: e.gain.hi,
        share: e.share.value,
        share_lo: e.share.lo,
        share_hi: e.share.hi,
        share_kind: shareKind,
      });
      if (fam === 'all')
        summary.push({
          intervention: iv.name,
          unit_model: iv.unit_model,
          model: iv.model,
          what: describe(iv),
          effect: e.effect,
          p_value: e.pValue,
          gain: e.gain,
          share: e.share,
          share_kind: shareKind,
          n_probes: e.nProbes,
        });
    }
  }
  return { rows, summary };
}

const fmt = (e: Estimate, d = 2) => `${e.value.toFixed(d)} [${e.lo.toFixed(d)}, ${e.hi.toFixed(d)}]`;

/** The causal section of the metrics report: one line per intervention (all probes). */
export function formatCausal(items: readonly CausalSummaryItem[]): string {
  const lines = items.map(
    (c) =>
      `  ${c.intervention.padEnd(20)} ${c.what}: effect ${fmt(c.effect)} nats/token (p ${c.p_value.toPrecision(2)}), ` +
      `share of the gain ${c.share_kind} ${fmt(c.share)} (gain ${fmt(c.gain)}, ${c.n_probes} probes)`,
  );
  return ['Causal effects (answer log-prob; 95% paired bootstrap CIs):', ...lines].join('\n');
}
