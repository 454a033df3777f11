import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configMetadata } from '../../../analysis/capture/model-config.ts';
import { parseJson, readJsonFile } from '../../../analysis/io/json-file.ts';
import { pairIsBuilt } from '../../../analysis/io/reference-pair.ts';
import { TOOL_VERSION } from '../../../analysis/version.ts';
import { PAIR_REVISION } from '../../../models/reference/pair-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'acc-lens-json-'));
const Schema = z.object({ layers: z.array(z.number().int()), name: z.string() });
const errorOf = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('no error');
};

describe('readJsonFile', () => {
  it('returns the validated value', async () => {
    writeFileSync(join(dir, 'ok.json'), '{"layers":[1,2],"name":"x","extra":true}');
    expect(await readJsonFile(join(dir, 'ok.json'), Schema)).toEqual({ layers: [1, 2], name: 'x' });
  });
  it('a missing file is E_FILE_NOT_FOUND with the fix', async () => {
    const e = await errorOf(() => readJsonFile(join(dir, 'none.json'), Schema, 'plan file', 'Pass a JSON file.'));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.message).toBe(`plan file not found: ${join(dir, 'none.json')}`);
  });
  it('invalid JSON and a failing field are E_CONFIG_INVALID naming the file and the field', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"layers":[1,');
    expect(await errorOf(() => readJsonFile(join(dir, 'bad.json'), Schema))).toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(new RegExp(`^${join(dir, 'bad.json')} is not valid JSON`)),
    });
    writeFileSync(join(dir, 'field.json'), '{"layers":[1,"two"],"name":"x"}');
    expect(await errorOf(() => readJsonFile(join(dir, 'field.json'), Schema))).toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: expect.stringMatching(new RegExp(`^${join(dir, 'field.json')}: field "layers.1": `)),
    });
  });
  it('parseJson names what it parses, e.g. a metadata key inside a file', async () => {
    expect((await errorOf(() => parseJson('[1]', Schema, 'm.onnx: metadata "k"'))).message).toMatch(
      /^m\.onnx: metadata "k": field "\(root\)"/,
    );
  });
});

describe("a model's acc_lens.config metadata", () => {
  it('is parsed with zod: absent → {}, fields kept, a wrong field named with the model file', async () => {
    expect(configMetadata('m.onnx', {})).toEqual({});
    expect(configMetadata('m.onnx', { 'acc_lens.config': '{"head_dim":128,"hidden_size":256}' })).toEqual({
      head_dim: 128,
      hidden_size: 256,
    });
    const e = await errorOf(() => configMetadata('m.onnx', { 'acc_lens.config': '{"head_dim":"128"}' }));
    expect(e).toMatchObject({ code: 'E_CONFIG_INVALID' });
    expect(e.message).toMatch(/^m\.onnx: metadata "acc_lens\.config": field "head_dim": /);
  });
});

describe('pairIsBuilt', () => {
  it('is false (rebuild) for a build-info.json that is not JSON or lacks its fields, true for a complete one', () => {
    const pair = mkdtempSync(join(tmpdir(), 'acc-lens-pair-'));
    writeFileSync(join(pair, 'build-info.json'), 'not json');
    expect(pairIsBuilt(pair)).toBe(false);
    writeFileSync(join(pair, 'build-info.json'), '{"files":{}}');
    expect(pairIsBuilt(pair)).toBe(false);
    writeFileSync(join(pair, 'a.onnx'), '');
    writeFileSync(
      join(pair, 'build-info.json'),
      JSON.stringify({ tool_version: TOOL_VERSION, revision: PAIR_REVISION, files: { 'a.onnx': {} } }),
    );
    expect(pairIsBuilt(pair)).toBe(true);
    // A pair of an earlier planted construction (no revision = 1) is rebuilt.
    writeFileSync(
      join(pair, 'build-info.json'),
      JSON.stringify({ tool_version: TOOL_VERSION, files: { 'a.onnx': {} } }),
    );
    expect(pairIsBuilt(pair)).toBe(false);
    writeFileSync(
      join(pair, 'build-info.json'),
      JSON.stringify({ tool_version: TOOL_VERSION, revision: PAIR_REVISION, files: { 'b.onnx': {} } }),
    );
    expect(pairIsBuilt(pair)).toBe(false);
  });
});
