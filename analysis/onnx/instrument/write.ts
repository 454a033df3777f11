import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
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
    // Temp file, fsync, rename: a reader sees the old file or the whole new one, also after a crash.
    const tmp = `${out}.tmp-${process.pid}`;
    const bytes = onnx.ModelProto.encode(model).finish();
    try {
      const fd = openSync(tmp, 'w');
      try {
        for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, out);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  } catch (error) {
    fail('E_WRITE_FAILED', `cannot write ${outPath}: ${(error as Error).message}`);
  }
  return out;
}
