import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentCommand } from '../../../analysis/cli/commands/instrument.ts';
import { AccLensError } from '../../../analysis/errors.ts';
import { GraphBuilder } from '../../../analysis/onnx/graph-builder.ts';
import { onnx, readModel } from '../../../analysis/onnx/read-model.ts';
import { unfusedGqa } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof AccLensError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

/** Moves every float initializer's bytes into `<name>.data` next to the model, as external-data exporters do. */
function withExternalData(bytes: Uint8Array, folder: string, name: string): string {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer!) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const raw = t.rawData!;
    t.externalData = [
      { key: 'location', value: `${name}.data` },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    chunks.push(raw);
    offset += raw.length;
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.data`), Buffer.concat(chunks));
  writeFileSync(join(folder, name), onnx.ModelProto.encode(model).finish());
  return join(folder, name);
}

describe('readModel', () => {
  it('readModel(missing) is E_FILE_NOT_FOUND', () => {
    expect(codeOf(() => readModel(join(dir, 'nope.onnx')))).toMatch(/^E_FILE_NOT_FOUND: ONNX model not found/);
  });

  it('readModel(truncated) names the field the protobuf ended in', () => {
    const bytes = unfusedGqa().bytes;
    writeFileSync(join(dir, 'cut.onnx'), bytes.subarray(0, bytes.length - 100));
    expect(codeOf(() => readModel(join(dir, 'cut.onnx')))).toMatch(
      /^E_ONNX_INVALID: .*truncated: protobuf ended inside field 7 \(graph\)/,
    );
    writeFileSync(join(dir, 'empty.onnx'), '');
    expect(codeOf(() => readModel(join(dir, 'empty.onnx')))).toMatch(/E_ONNX_INVALID: .*empty file/);
  });

  it('readModel(external data) checks the data file and names it when missing', () => {
    const path = withExternalData(unfusedGqa().bytes, join(dir, 'ext'), 'model.onnx');
    expect(readModel(path).externalDataFiles).toEqual(['model.onnx.data']);
    const lost = withExternalData(unfusedGqa().bytes, join(dir, 'lost'), 'model.onnx');
    rmSync(`${lost}.data`);
    expect(codeOf(() => readModel(lost))).toMatch(/^E_FILE_NOT_FOUND: .*external data file "model.onnx.data"/);
  });
});

describe('acc-lens instrument', () => {
  it('instrument MODEL --out OTHER_DIR keeps external data usable and original outputs equal', async () => {
    const fixture = unfusedGqa();
    const path = withExternalData(fixture.bytes, join(dir, 'cli'), 'model.onnx');
    const out = join(dir, 'elsewhere', 'inst.onnx');
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((chunk: string) => {
      printed += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await instrumentCommand.run([path, '--out', out])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(printed).toMatch(/^layer\s+attention\s+q\/kv heads/);
    expect(printed).toMatch(/\n1\s+unfused\s+4\/2\s+-/);
    expect(printed).toMatch(/no KV-cache inputs/);
    const plain = await (await ort.InferenceSession.create(path)).run(fixture.feeds);
    const inst = await (await ort.InferenceSession.create(out)).run(fixture.feeds);
    const name = Object.keys(plain)[0]!;
    expect(Array.from(inst[name]!.data as Float32Array)).toEqual(Array.from(plain[name]!.data as Float32Array));
    expect(inst['acc_lens.attn_probs.1']!.dims).toEqual([2, 4, 5, 5]);
    expect(readFileSync(join(dir, 'elsewhere', 'model.onnx.data')).length).toBeGreaterThan(0);
  });

  it('instrument on a graph with nothing to capture is E_ONNX_CONTRACT naming the nodes', async () => {
    const g = new GraphBuilder('plain');
    g.input('x', 'float32', [2, 3]);
    const y = g.op('Softmax', [g.op('Relu', ['x'], { name: 'relu' })], { name: 'lonely_softmax' });
    g.output(y, 'float32', [2, 3]);
    writeFileSync(join(dir, 'plain.onnx'), g.encode({ opsets: { '': 17 } }));
    const error = await instrumentCommand.run([join(dir, 'plain.onnx')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccLensError);
    expect((error as AccLensError).code).toBe('E_ONNX_CONTRACT');
    expect((error as AccLensError).message).toMatch(/lonely_softmax \(Softmax\): Softmax is neither attention/);
  });
});
