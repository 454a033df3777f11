// Cost of an intervention sweep relative to one plain capture (reference pair, fused, one MRCR probe):
// every head of layer 1 ablated alone (4) and every expert of layer 1 masked alone (16), 20 interventions.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCapture } from '../analysis/capture/run-capture.ts';
import { DEFAULT_PAIR_DIR, buildPairFiles, pairModelPath } from '../analysis/io/reference-pair.ts';
import { INTERVENTION_PLAN, runIntervene } from '../analysis/intervene/run-intervene.ts';
import { generateMrcr } from '../analysis/probes/mrcr/generate.ts';
import type { InterventionSpecInput } from '../analysis/schema/interventions.ts';

export async function benchIntervene(): Promise<Record<string, unknown>> {
  await buildPairFiles(DEFAULT_PAIR_DIR, { reuse: true });
  const dir = await mkdtemp(join(tmpdir(), 'acc-lens-bench-intervene-'));
  try {
    const probes = join(dir, 'p.jsonl');
    await writeFile(
      probes,
      `${generateMrcr({ n: 1, tokens: 1024, seed: 1 })
        .map((p) => JSON.stringify(p))
        .join('\n')}\n`,
    );
    const base = pairModelPath(DEFAULT_PAIR_DIR, 'base', 'fused');
    const tuned = pairModelPath(DEFAULT_PAIR_DIR, 'tuned', 'fused');
    const t0 = performance.now();
    await runCapture({
      models: [{ name: 'tuned', path: tuned }],
      probes,
      out: join(dir, 'plain'),
      plan: INTERVENTION_PLAN,
      ep: 'cpu',
    });
    const plain = (performance.now() - t0) / 1000;
    const none = { ablate_heads: [], mask_experts: [], force_experts: [] };
    const spec: InterventionSpecInput = {
      interventions: [
        ...[0, 1, 2, 3].map((h) => ({
          ...none,
          name: `head-${h}`,
          model: 'tuned' as const,
          ablate_heads: [{ layer: 1, head: h }],
        })),
        ...Array.from({ length: 16 }, (_, e) => ({
          ...none,
          name: `expert-${e}`,
          model: 'tuned' as const,
          mask_experts: [{ layer: 1, expert: e }],
        })),
      ],
    };
    const t1 = performance.now();
    await runIntervene({ base, tuned, probes, out: join(dir, 'sweep'), spec, ep: 'cpu' });
    const sweep = (performance.now() - t1) / 1000;
    const units = spec.interventions.length + 2;
    return {
      probe_tokens: 1024,
      interventions: spec.interventions.length,
      plain_capture_seconds: +plain.toFixed(2),
      sweep_seconds: +sweep.toFixed(2),
      sweep_over_plain: +(sweep / plain).toFixed(2),
      per_model_over_plain: +(sweep / units / plain).toFixed(2),
      note: 'sweep = base + tuned + 20 intervened copies (each rewritten, written, instrumented, opened and captured); per_model = sweep / 22 / plain',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
