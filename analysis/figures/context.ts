import { dirname, join } from 'node:path';
import { GroundTruthSchema, type GroundTruthSpec } from '../metrics/ground-truth-check.ts';
import { AccLensError } from '../errors.ts';
import { nodeRunFiles } from '../io/node-run-files.ts';
import { readJsonIfExists } from '../io/read-json.ts';
import { familiesOf } from '../../viewer/src/data/attention-layers.ts';
import { BatchedCache } from '../../viewer/src/data/probe-data.ts';
import { probeMetas, type ProbeMeta } from '../../viewer/src/data/probe-meta.ts';
import { loadRunIndex, type RunIndex } from '../../viewer/src/data/run-index.ts';
import { RunDataError } from '../../viewer/src/data/run-files.ts';
import { presetOf, type Preset, type PresetName } from './presets.ts';

/** Everything a figure is drawn from: the run (read with the viewer's own data code), the choices, the size. */
export interface FigureContext {
  runDir: string;
  index: RunIndex;
  probes: ProbeMeta[];
  cache: BatchedCache;
  preset: Preset;
  /** Task families the per-task figures show (never `all`). */
  families: string[];
  /** The probe of the strip figures (chosen or the default). */
  probe: ProbeMeta | null;
  probeReason: string;
  /** Planted mechanisms, when the run's models come with a ground-truth.json (the reference pair). */
  groundTruth: GroundTruthSpec | null;
}

export interface FigureOptions {
  preset?: PresetName;
  families?: string[];
  probe?: string;
  groundTruth?: string;
}

async function findGroundTruth(index: RunIndex, explicit: string | undefined): Promise<GroundTruthSpec | null> {
  const candidates =
    explicit !== undefined
      ? [explicit]
      : [...new Set(Object.values(index.manifest.models).map((m) => join(dirname(m.path), 'ground-truth.json')))];
  for (const path of candidates) {
    const spec = await readJsonIfExists(path, GroundTruthSchema);
    if (spec !== null) return spec;
    if (explicit !== undefined) throw new AccLensError('E_FILE_NOT_FOUND', `--ground-truth ${path} does not exist`);
  }
  return null;
}

/** The probe with the largest tuned − base evidence lift at the link head among the report half: it shows the mechanism. */
function defaultProbe(
  index: RunIndex,
  probes: ProbeMeta[],
  families: string[],
): { probe: ProbeMeta | null; reason: string } {
  const pool = probes.filter((p) => families.includes(p.family));
  const summary = index.summary;
  const behaviour = index.metrics.metrics_behaviour;
  if (summary === null || behaviour === undefined || index.pair === null)
    return { probe: pool[0] ?? probes[0] ?? null, reason: 'the first probe of the set' };
  const lift = new Map<string, Record<string, number>>();
  const ids = behaviour.probe_id as string[];
  ids.forEach((id, i) =>
    lift.set(id, {
      ...(lift.get(id) ?? {}),
      [(behaviour.model as string[])[i]!]: (behaviour.evidence_lift as Float32Array)[i]!,
    }),
  );
  const report = new Set(summary.probes.report);
  const gain = (p: ProbeMeta) => (lift.get(p.id)?.[index.pair!.tuned] ?? 0) - (lift.get(p.id)?.[index.pair!.base] ?? 0);
  const best = pool.filter((p) => report.has(p.id)).sort((a, b) => gain(b) - gain(a) || a.id.localeCompare(b.id))[0];
  return best === undefined
    ? { probe: pool[0] ?? null, reason: 'the first probe of the set' }
    : { probe: best, reason: 'the report-half probe with the largest tuned − base evidence lift at the link head' };
}

/** Opens a run for figures: validates flags against it and finds the ground truth. */
export async function loadFigureContext(runDir: string, o: FigureOptions = {}): Promise<FigureContext> {
  const files = nodeRunFiles(runDir);
  let index: RunIndex;
  try {
    index = await loadRunIndex(files);
  } catch (error) {
    if (error instanceof RunDataError)
      throw new AccLensError(
        error.file === 'manifest.json' ? 'E_FILE_NOT_FOUND' : 'E_CONFIG_INVALID',
        `${join(runDir, error.file)}: ${error.message.replace(`${error.file}: `, '')}`,
        error.fix,
      );
    throw error;
  }
  const probes = probeMetas(index);
  const known = index.metrics.metrics_attention_heads
    ? familiesOf(index.metrics.metrics_attention_heads).filter((f) => f !== 'all')
    : [...new Set(probes.map((p) => p.family))];
  const families = o.families ?? known;
  const unknown = families.filter((f) => !known.includes(f));
  if (unknown.length > 0)
    throw new AccLensError(
      'E_USAGE',
      `--families: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in ${runDir}`,
      `Choose from: ${known.join(', ')}.`,
    );
  let probe: ProbeMeta | null;
  let probeReason: string;
  if (o.probe !== undefined) {
    probe = probes.find((p) => p.id === o.probe) ?? null;
    if (probe === null)
      throw new AccLensError(
        'E_USAGE',
        `--probe ${o.probe} is not in ${runDir}`,
        `Choose one of: ${probes
          .slice(0, 12)
          .map((p) => p.id)
          .join(', ')}${probes.length > 12 ? ', …' : ''}.`,
      );
    probeReason = 'chosen with --probe';
  } else ({ probe, reason: probeReason } = defaultProbe(index, probes, families));
  return {
    runDir,
    index,
    probes,
    cache: new BatchedCache(files),
    preset: presetOf(o.preset ?? 'double-column'),
    families,
    probe,
    probeReason,
    groundTruth: await findGroundTruth(index, o.groundTruth),
  };
}
