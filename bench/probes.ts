import { cpus } from 'node:os';
import { generateAcc } from '../analysis/probes/acc/generate.ts';
import type { TaskFamily } from '../analysis/probes/families.ts';
import type { GenerateOptions } from '../analysis/probes/generate.ts';
import { generateGraphwalks } from '../analysis/probes/graphwalks/generate.ts';
import { generateMrcr } from '../analysis/probes/mrcr/generate.ts';
import type { TextProbe } from '../analysis/probes/schema.ts';
import { loadTokenizer } from '../analysis/tokenize/load.ts';
import { tokenizeProbe } from '../analysis/tokenize/tokenize-probe.ts';

const GENERATORS: Record<TaskFamily, (o: GenerateOptions) => TextProbe[]> = {
  mrcr: generateMrcr,
  graphwalks: generateGraphwalks,
  acc_search: (o) => generateAcc('acc_search', o),
  acc_swe: (o) => generateAcc('acc_swe', o),
  acc_sql: (o) => generateAcc('acc_sql', o),
};

/**
 * Probe generation + Qwen3 tokenization (chat template, whole-text encode, span mapping) at 128k
 * tokens, per family: probes/s and tokens/s for each stage and for both together. Single thread.
 */
export async function benchProbes(): Promise<Record<string, unknown>> {
  const target = 131_072;
  const n = 3;
  const loadStart = performance.now();
  const tokenizer = loadTokenizer();
  const loadMs = performance.now() - loadStart;
  tokenizeProbe(tokenizer, (generateMrcr({ n: 1, tokens: 4096, seed: 99 }) as [TextProbe])[0]); // warm-up (JIT, template compile)
  const families: Record<string, unknown> = {};
  for (const [family, generate] of Object.entries(GENERATORS)) {
    const g0 = performance.now();
    const probes = generate({ n, tokens: target, seed: 1 });
    const genS = (performance.now() - g0) / 1000;
    const t0 = performance.now();
    const tokens = probes.reduce((sum, p) => sum + tokenizeProbe(tokenizer, p).n_tokens, 0);
    const tokS = (performance.now() - t0) / 1000;
    families[family] = {
      probes: n,
      mean_tokens: Math.round(tokens / n),
      generate: { seconds: round(genS), probes_per_s: round(n / genS), tokens_per_s: Math.round(tokens / genS) },
      tokenize: { seconds: round(tokS), probes_per_s: round(n / tokS), tokens_per_s: Math.round(tokens / tokS) },
      total: {
        seconds: round(genS + tokS),
        probes_per_s: round(n / (genS + tokS)),
        tokens_per_s: Math.round(tokens / (genS + tokS)),
      },
    };
  }
  return {
    benchmark: 'probes',
    target_tokens: target,
    tokenizer: tokenizer.name,
    tokenizer_load_ms: Math.round(loadMs),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    threads: 1,
    families,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
