import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { EncodeOptions, GraphBuilder } from '../onnx/graph-builder.ts';
import { writeFailure } from './atomic-write.ts';

const { onnx } = onnxProto;

export interface ExternalModelFiles {
  modelPath: string;
  dataPath: string;
  modelBytes: number;
  dataBytes: number;
  /** sha256 of the data file, computed while it was written. */
  dataSha256: string;
  modelSha256: string;
}

/**
 * Writes a built graph as `MODEL.onnx` + `MODEL.onnx.data` (ONNX external data, so models over the 2 GiB
 * protobuf limit work): weights are streamed to the data file one piece at a time (hashed on the way),
 * then the small graph is encoded with the options `encode` returns for that hash (so the model file's
 * own bytes — what capture hashes — change whenever the weights do). Both files sit in one folder, as
 * ONNX Runtime requires. Example: `writeOnnxWithExternalData('out/model.fused.onnx', g, () => opts)`.
 */
export function writeOnnxWithExternalData(
  modelPath: string,
  g: GraphBuilder,
  encode: (dataSha256: string) => EncodeOptions,
  onBytes?: (written: number) => void,
): ExternalModelFiles {
  const dataPath = `${modelPath}.data`;
  const hash = createHash('sha256');
  let fd: number | undefined;
  let dataBytes: number;
  try {
    fd = openSync(dataPath, 'w');
    const out = fd;
    dataBytes = g.externalize({
      location: basename(dataPath),
      write: (bytes) => {
        let done = 0;
        while (done < bytes.length) done += writeSync(out, bytes, done, bytes.length - done);
        hash.update(bytes);
      },
      ...(onBytes ? { onBytes } : {}),
    });
    fsyncSync(fd);
  } catch (error) {
    throw writeFailure(error, dataPath);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const dataSha256 = hash.digest('hex');
  const model = g.encode(encode(dataSha256));
  try {
    writeFileSync(modelPath, model);
  } catch (error) {
    throw writeFailure(error, modelPath);
  }
  const modelSha256 = createHash('sha256').update(model).digest('hex');
  return { modelPath, dataPath, modelBytes: model.length, dataBytes, dataSha256, modelSha256 };
}

/**
 * Writes a decoded model (e.g. with extra outputs) as a hidden copy beside `besidePath`, so its
 * external-data locations still resolve; returns the copy's path. The caller removes it.
 */
export function writeModelCopyBeside(besidePath: string, model: onnxProto.onnx.IModelProto, tag: string): string {
  const path = join(dirname(besidePath), `.${tag}-${process.pid}.${basename(besidePath)}`);
  try {
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
  } catch (error) {
    throw writeFailure(error, path);
  }
  return path;
}
