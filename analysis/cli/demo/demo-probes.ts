import { generateAcc } from '../../probes/acc/generate.ts';
import { generateGraphwalks } from '../../probes/graphwalks/generate.ts';
import { generateMrcr } from '../../probes/mrcr/generate.ts';
import type { TextProbe } from '../../probes/schema.ts';

export interface DemoSize {
  perFamily: number;
  tokens: number;
}

export const DEMO_SIZES: Record<'quick' | 'full', DemoSize> = {
  quick: { perFamily: 4, tokens: 1000 },
  full: { perFamily: 6, tokens: 4096 },
};

/** The demo's probe set: `perFamily` generated probes of every task family (seed 1, deterministic). */
export function demoProbes(size: DemoSize): TextProbe[] {
  const opts = { n: size.perFamily, tokens: size.tokens, seed: 1 };
  return [
    ...generateMrcr(opts),
    ...generateGraphwalks(opts),
    ...generateAcc('acc_search', opts),
    ...generateAcc('acc_swe', opts),
    ...generateAcc('acc_sql', opts),
  ];
}
