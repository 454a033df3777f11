import { join } from 'node:path';
import { runCapture, type CaptureOptions, type CaptureSummary } from '../capture/run-capture.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { removeTree } from '../io/local-files.ts';
import { STATE_DIR } from '../io/manifest.ts';
import {
  INTERVENTIONS_FILE,
  interventionUnitModel,
  type InterventionsFile,
  InterventionSpecSchema,
  type InterventionSpecInput,
} from '../schema/interventions.ts';
import { interveneModel } from './intervene-model.ts';

/** Where the intervened copies of the models are written while a run is captured (removed when it finishes). */
export const INTERVENED_DIR = `${STATE_DIR}/interventions`;

/**
 * The capture plan of an intervention run: answer log-probs and routing only (attention is not what an
 * intervention measures, and leaving it out keeps a sweep of many interventions cheap).
 */
export const INTERVENTION_PLAN = {
  segments: false,
  distance: null,
  rows: null,
  routing: true,
  router_probs: false,
  answer_logprobs: true,
} as const;

export interface InterveneOptions extends Omit<CaptureOptions, 'models' | 'plan'> {
  base: string;
  tuned: string;
  spec: InterventionSpecInput;
  /** Fields to change in INTERVENTION_PLAN (e.g. chunk_size). */
  plan?: Record<string, unknown>;
}

/**
 * Captures base, tuned and every intervention of the spec (each a rewritten copy of base or tuned,
 * captured as model `<model>.<name>`) on the same probes into one run — resumable, atomic and locked
 * like any capture — then writes RUN/interventions.json naming each intervention's unit model.
 * Example: `await runIntervene({ base, tuned, probes: 'p.jsonl', out: 'runs/iv', spec })`.
 */
export async function runIntervene(options: InterveneOptions): Promise<CaptureSummary> {
  const o = { ...options, spec: InterventionSpecSchema.parse(options.spec) };
  const dir = join(o.out, INTERVENED_DIR);
  const paths = { base: o.base, tuned: o.tuned };
  const models = [
    { name: 'base', path: o.base },
    { name: 'tuned', path: o.tuned },
    ...o.spec.interventions.map((iv) => {
      const name = interventionUnitModel(iv);
      return { name, path: interveneModel(paths, iv, join(dir, `${name}.onnx`)) };
    }),
  ];
  const { base: _b, tuned: _t, spec: _s, plan, ...capture } = o;
  const summary = await runCapture({ ...capture, models, plan: { ...INTERVENTION_PLAN, ...plan } });
  const file: InterventionsFile = {
    schema: 'acc-lens.interventions/1',
    interventions: o.spec.interventions.map((iv) => ({ ...iv, unit_model: interventionUnitModel(iv) })),
  };
  await writeFileAtomic(join(o.out, INTERVENTIONS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  removeTree(dir);
  return summary;
}
