import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fail } from '../../errors.ts';
import { onnx, type LoadedModel, type ModelProto } from '../read-model.ts';

/**
 * Writes an instrumented model. External data is not rewritten: the copy keeps the original's
 * `location` entries, so next to the original it reads the same data file; in another folder each data
 * file is hard-linked there (copied where linking fails), since ONNX Runtime refuses locations that
 * leave the model's folder.
 * @example writeModel(loaded, model, 'model.instrumented.onnx');
 */
export function writeModel(source: LoadedModel, model: ModelProto, outPath: string): string {
  const out = resolve(outPath);
  const outDir = dirname(out);
  try {
    mkdirSync(outDir, { recursive: true });
    if (outDir !== source.dir) {
      for (const location of source.externalDataFiles) {
        const target = resolve(outDir, location);
        if (existsSync(target)) continue;
        mkdirSync(dirname(target), { recursive: true });
        try {
          linkSync(resolve(source.dir, location), target);
        } catch {
          copyFileSync(resolve(source.dir, location), target);
        }
      }
    }
    const tmp = `${out}.tmp-${process.pid}`;
    writeFileSync(tmp, onnx.ModelProto.encode(model).finish());
    renameSync(tmp, out);
  } catch (error) {
    fail('E_WRITE_FAILED', `cannot write ${outPath}: ${(error as Error).message}`);
  }
  return out;
}
