import type { Est } from '../data/comparison.ts';

/** Significant digits that keep small masses readable and large lifts short. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && a < 0.001) return v.toExponential(1);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export const estText = (e: Est): string => `${num(e.value)} [${num(e.lo)}, ${num(e.hi)}]`;

export const pText = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

/** Band-axis labels thinned to about `max` ticks (every k-th index), so 48 layers stay legible. */
export function everyKth(n: number, max: number): (d: number) => string {
  const k = Math.max(1, Math.ceil(n / max));
  return (d: number) => (d % k === 0 ? String(d) : '');
}

/** Metric names as axis and legend labels, with units. */
export const METRIC_LABELS: Record<string, string> = {
  evidence_lift: 'evidence lift (× uniform)',
  evidence_mass: 'evidence mass (probability)',
  distractor_lift: 'distractor lift (× uniform)',
  distractor_mass: 'distractor mass (probability)',
  sink_mass: 'sink mass (probability on token 0)',
  local_mass: 'local mass (probability, d < 14)',
  entropy_bits: 'binned entropy (bits)',
};
export const metricLabel = (m: string): string => METRIC_LABELS[m] ?? m;

/** Index-axis ticks every k-th index, k a round step (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100…) giving ≤ `max` ticks. */
export function niceEvery(n: number, max: number): (d: number) => string {
  const steps = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 500, 1000];
  const k = steps.find((s) => Math.ceil(n / s) <= Math.max(1, max)) ?? Math.ceil(n / Math.max(1, max));
  return (d: number) => (d % k === 0 ? String(d) : '');
}
