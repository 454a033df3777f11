import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { TOOL_VERSION } from '../analysis/version.ts';

type Bench = () => Promise<Record<string, unknown>>;

/** Every benchmark by name; each writes bench/results/<name>.json. */
const BENCHES: Record<string, () => Promise<Bench>> = {
  forward: async () => (await import('./forward.ts')).benchForward,
  probes: async () => (await import('./probes.ts')).benchProbes,
  'run-store': async () => (await import('./run-store.ts')).benchRunStore,
  verify: async () => (await import('./verify.ts')).benchVerify,
  capture: async () => {
    const { benchCapture } = await import('./capture.ts');
    return () => benchCapture({ out: null });
  },
  metrics: async () => (await import('./metrics.ts')).benchMetrics,
  import: async () => (await import('./import.ts')).benchImport,
  'fp16-ops': async () => (await import('./fp16-ops.ts')).benchFp16Ops,
  'estimate-heads': async () => (await import('./estimate-heads.ts')).benchEstimateHeads,
  viewer: async () => (await import('./viewer.ts')).benchViewer,
  figures: async () => (await import('./figures.ts')).benchFigures,
  intervene: async () => (await import('./intervene.ts')).benchIntervene,
};

/** `npm run bench [-- NAME…]`: runs the named benchmarks (all by default) and writes their results. */
export async function runBenchmarks(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(BENCHES);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    process.stderr.write(`== bench ${name}\n`);
    const start = performance.now();
    const result = await (await BENCHES[name]!())();
    const record = {
      benchmark: name,
      tool_version: TOOL_VERSION,
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model,
        total_memory_gb: +(totalmem() / 1e9).toFixed(1),
        node: process.version,
      },
      seconds: +((performance.now() - start) / 1000).toFixed(1),
      result,
    };
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    process.stderr.write(`   wrote bench/results/${name}.json\n`);
  }
  return 0;
}
