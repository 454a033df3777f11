import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { openModel } from '../../analysis/capture/session.ts';
import { INDEX_FILE, openHfCheckpoint } from '../../analysis/io/hf-checkpoint.ts';
import { writeSafetensors } from '../../analysis/io/safetensors-write.ts';
import { importHfCheckpoint, readImportInfo } from '../../analysis/io/model-import.ts';
import { bfloat16BitsToFloat32, float32ToBfloat16Bits } from '../../analysis/onnx/tensor-proto.ts';
import type { Qwen3MoeConfig } from '../../models/config.ts';
import { defaultTokenizerDir } from '../../analysis/tokenize/load.ts';
import { verifyImport } from '../../models/verify/verify.ts';
import { oracleForward } from '../../models/qwen3-moe/oracle.ts';
import { materialize, type ModelWeights } from '../../models/weights.ts';
import { maxAbsDiff, tokenIds } from '../unit/onnx/tiny-model.ts';
import { checkpoint, lazyCheckpoint, partials, SMALL, removeTempDirs, tempDir } from './hf-fixture.ts';

const { onnx } = onnxProto;

/** The weights the checkpoint holds, read back through the importer's own reader (BF16/F16 widened). */
function stored(dir: string): ModelWeights {
  const ck = openHfCheckpoint(dir);
  try {
    return materialize(ck.weights);
  } finally {
    ck.close();
  }
}

/** An initializer's float32 values as written to the external data file. */
function externalInitializer(model: string, name: string): Float32Array {
  const m = onnx.ModelProto.decode(readFileSync(model));
  const t = m.graph!.initializer!.find((i) => i.name === name)!;
  expect(t.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
  const e = Object.fromEntries(t.externalData!.map((x) => [x.key, x.value]));
  const data = readFileSync(join(model, '..', e.location!));
  const bytes = data.subarray(Number(e.offset), Number(e.offset) + Number(e.length));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Both forms of an fp32 import equal the oracle on the same weights: chunked prefill through capture's session, and routing via verify. */
async function expectMatchesOracle(out: string, weights: ModelWeights, c: Qwen3MoeConfig) {
  const ids = tokenIds(24, c.vocab_size, 4);
  const oracle = oracleForward(weights, ids).logits;
  const V = c.vocab_size;
  for (const form of ['unfused', 'fused']) {
    const m = await openModel(join(out, `model.${form}.onnx`), { ep: 'cpu' });
    const r = await m.prefill(ids, { chunkSize: 10 }); // 3 chunks over the KV cache; last chunk = rows 20..23
    await m.close();
    expect(maxAbsDiff(r.logits, oracle.subarray(20 * V)), form).toBeLessThan(1e-4);
  }
  const report = await verifyImport(out);
  expect(report.oracleLayers).toBe(c.num_hidden_layers);
  for (const f of report.forms) {
    expect(f.logitDiff!).toBeLessThan(1e-4);
    expect(f.flips.map((x) => x.tokens.length)).toEqual(new Array(c.num_hidden_layers).fill(0));
  }
  expect(report.formFlips!.every((x) => x.tokens.length === 0)).toBe(true);
  expect(report.ok).toBe(true);
}

afterAll(removeTempDirs);
describe('acc-lens models import: small HF checkpoints against the oracle', () => {
  it('F32, one model.safetensors, untied head: both forms within 1e-4, routing identical; tokenizer copied', async () => {
    const { dir, weights } = checkpoint({}, { dtype: 'F32', tokenizerDir: defaultTokenizerDir() });
    const out = join(tempDir('import'), 'model');
    const r = await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float32' });
    expect(Object.keys(r.info.files).sort()).toEqual([
      'config.json',
      'model.fused.onnx',
      'model.fused.onnx.data',
      'model.unfused.onnx',
      'model.unfused.onnx.data',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(Buffer.compare(readFileSync(join(out, 'tokenizer.json')), readFileSync(join(dir, 'tokenizer.json')))).toBe(
      0,
    );
    expect(r.info.source.dtypes).toEqual({ F32: expect.any(Number) });
    expect(readImportInfo(out)).toEqual(r.info);
    // F32 → float32 copies the weights bit for bit (the LM head as stored; the router is transposed in the graph).
    expect(Array.from(externalInitializer(join(out, 'model.fused.onnx'), 'lm_head.weight'))).toEqual(
      Array.from(weights.lmHead!),
    );
    await expectMatchesOracle(out, weights, SMALL);
  });

  it('BF16 in 3 shards with model.safetensors.index.json, tied head: BF16 → FP32 is exact; logits within 1e-4', async () => {
    const c = { ...SMALL, tie_word_embeddings: true };
    const { dir, weights } = checkpoint(c, { dtype: 'BF16', shards: 3 }, 2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.safetensors'))).toHaveLength(3);
    const out = join(tempDir('import'), 'model');
    const r = await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float32' });
    expect(r.info.source.shards).toHaveLength(3);
    expect(r.info.source.dtypes).toEqual({ BF16: expect.any(Number) });
    const embed = externalInitializer(join(out, 'model.fused.onnx'), 'model.embed_tokens.weight');
    const expected = bfloat16BitsToFloat32(float32ToBfloat16Bits(weights.embed));
    expect(Buffer.compare(Buffer.from(embed.buffer), Buffer.from(expected.buffer))).toBe(0);
    await expectMatchesOracle(out, stored(dir), c);
  });

  it('F16 with experts packed per layer (transformers 5 layout: gate_up_proj / down_proj): logits within 1e-4', async () => {
    const { dir } = checkpoint({}, { dtype: 'F16', packedExperts: true, shards: 2 }, 3);
    const out = join(tempDir('import'), 'model');
    await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float32' });
    await expectMatchesOracle(out, stored(dir), SMALL);
  });

  it('--dtype fp16: float16 weights, KV cache and logits; both forms within 5e-2 of the float32 oracle, same routing', async () => {
    const { dir } = checkpoint({}, { dtype: 'BF16' }, 4);
    const out = join(tempDir('import'), 'model');
    await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float16' });
    const m = onnx.ModelProto.decode(readFileSync(join(out, 'model.fused.onnx')));
    const F16 = onnx.TensorProto.DataType.FLOAT16;
    expect(m.graph!.initializer!.find((t) => t.name === 'model.embed_tokens.weight')!.dataType).toBe(F16);
    expect(m.graph!.input!.find((i) => i.name === 'past_key_values.0.key')!.type!.tensorType!.elemType).toBe(F16);
    expect(m.metadataProps!.find((p) => p.key === 'acc_lens.dtype')?.value).toBe('float16');
    const out32 = join(tempDir('import'), 'model');
    await importHfCheckpoint(dir, out32, { forms: ['fused'], dtype: 'float32' });
    const ratio =
      statSync(join(out, 'model.fused.onnx.data')).size / statSync(join(out32, 'model.fused.onnx.data')).size;
    expect(ratio).toBeGreaterThan(0.45); // half the bytes, give or take alignment padding
    expect(ratio).toBeLessThan(0.55);
    const report = await verifyImport(out);
    expect(report.dtype).toBe('float16');
    for (const f of report.forms) {
      expect(f.logitDiff!).toBeLessThan(5e-2);
      expect(f.logitDiff!).toBeGreaterThan(0); // float16 really rounds
    }
    expect(report.ok).toBe(true);
  });

  it('refuses an --out that exists and is not empty', async () => {
    const { dir } = checkpoint({ num_hidden_layers: 1 }, { dtype: 'F32' });
    const out = tempDir('import');
    writeFileSync(join(out, 'keep.txt'), 'x');
    await expect(importHfCheckpoint(dir, out, { forms: ['fused'], dtype: 'float32' })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});

describe('bad checkpoints: coded errors naming file and tensor, nothing left that looks finished', () => {
  async function rejects(dir: string, code: string, message: RegExp) {
    const out = join(tempDir('import'), 'model');
    const error = await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float32' }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe(code);
    expect(error?.message).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(partials(out)).toEqual([]);
  }
  const sharded = () => checkpoint({ num_hidden_layers: 2 }, { dtype: 'BF16', shards: 3 }).dir;

  it('a missing shard', async () => {
    const dir = sharded();
    unlinkSync(join(dir, 'model-00002-of-00003.safetensors'));
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /shard model-00002-of-00003\.safetensors not found .*lists \d+ tensor\(s\) in it, e\.g\. model\.layers\./,
    );
  });

  it('a tensor of the wrong shape', async () => {
    const dir = sharded();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, moe_intermediate_size: 32 }));
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /model-0000\d-of-00003\.safetensors: tensor model\.layers\.0\.mlp\.experts\.0\.gate_proj\.weight has shape \[40, 64\], config\.json implies \[32, 64\]/,
    );
  });

  it('an unknown dtype', async () => {
    const dir = sharded();
    const file = join(dir, 'model-00001-of-00003.safetensors');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('"dtype":"BF16"');
    bytes.write('"dtype":"BX16"', at); // same length: the header stays well-formed
    writeFileSync(file, bytes);
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /model-00001-of-00003\.safetensors: tensor "model\.embed_tokens\.weight" has unknown dtype "BX16"/,
    );
  });

  it('a dtype acc-lens does not read as weights (U16)', async () => {
    const dir = sharded();
    const file = join(dir, 'model-00003-of-00003.safetensors');
    const bytes = readFileSync(file);
    bytes.write('"dtype":"U16" ', bytes.indexOf('"dtype":"BF16"')); // same width and header length (JSON allows the space)
    writeFileSync(file, bytes);
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /model-00003-of-00003\.safetensors: tensor \S+ is U16; acc-lens reads F32, F16 and BF16/,
    );
  });

  it('a truncated safetensors header', async () => {
    const dir = sharded();
    const file = join(dir, 'model-00003-of-00003.safetensors');
    writeFileSync(file, readFileSync(file).subarray(0, 64));
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /model-00003-of-00003\.safetensors: truncated header: it says \d+ bytes/,
    );
  });

  it('a shard cut short after its header (interrupted download)', async () => {
    const dir = sharded();
    const file = join(dir, 'model-00002-of-00003.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /model-00002-of-00003\.safetensors: tensor "\S+": data ends at byte \d+ but the file has only/,
    );
  });

  it('a shape the fused form cannot take (head_dim 8: GroupQueryAttention needs a multiple of 16)', async () => {
    const { dir } = checkpoint({ num_hidden_layers: 1, head_dim: 8 }, { dtype: 'F32' });
    await rejects(dir, 'E_CONFIG_INVALID', /config\.json: the fused form needs head_dim a multiple of 16 .* got 8/);
  });

  it('a config of another architecture (Mixtral)', async () => {
    const dir = sharded();
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ architectures: ['MixtralForCausalLM'], model_type: 'mixtral', hidden_size: 64 }),
    );
    await rejects(
      dir,
      'E_CONFIG_INVALID',
      /config\.json: model_type "mixtral" \(MixtralForCausalLM\) is not supported .* reads qwen3_moe/,
    );
  });

  it('a tensor the architecture does not have (a q_proj bias in an extra shard)', async () => {
    const dir = sharded();
    const bias = 'model.layers.0.self_attn.q_proj.bias';
    writeSafetensors(join(dir, 'extra.safetensors'), [
      { name: bias, dtype: 'F32', shape: [64], data: () => [new Uint8Array(256)] },
    ]);
    const index = JSON.parse(readFileSync(join(dir, INDEX_FILE), 'utf8')) as { weight_map: Record<string, string> };
    index.weight_map[bias] = 'extra.safetensors';
    writeFileSync(join(dir, INDEX_FILE), JSON.stringify(index));
    await rejects(
      dir,
      'E_CHECKPOINT_INVALID',
      /extra\.safetensors: 1 tensor\(s\) a Qwen3-MoE model does not have, e\.g\. model\.layers\.0\.self_attn\.q_proj\.bias/,
    );
  });
});

describe('a killed import', () => {
  it('leaves only OUT.partial-PID without import-info.json; the next import removes it and finishes', async () => {
    // ≈ 90 MB of float32 weights: long enough to be killed while writing the unfused data file.
    const dir = lazyCheckpoint(
      { hidden_size: 256, num_experts: 32, moe_intermediate_size: 256, num_hidden_layers: 4, vocab_size: 2000 },
      { dtype: 'F32' },
    );
    const out = join(tempDir('import'), 'model');
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      'test/integration/import-child.ts',
      dir,
      out,
      'both',
      'fp32',
    ]);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const p = partials(out)[0];
        const data = p ? join(out, '..', p, 'model.unfused.onnx.data') : '';
        if (p && existsSync(data) && statSync(data).size > 1e6) {
          child.kill('SIGKILL');
          clearInterval(poll);
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(poll);
        resolve();
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const [left] = partials(out);
    expect(left).toMatch(/^model\.partial-\d+$/);
    expect(existsSync(join(out, '..', left!, 'import-info.json'))).toBe(false);
    expect(readImportInfo(join(out, '..', left!))).toBeNull();
    await importHfCheckpoint(dir, out, { forms: ['fused'], dtype: 'float32' });
    expect(partials(out)).toEqual([]);
    expect(readImportInfo(out)?.forms).toEqual(['fused']);
    rmSync(out, { recursive: true });
  }, 120_000);
});

describe('acc-lens models verify', () => {
  it('catches an import whose router is wrong: flips per layer, ok false', async () => {
    const { dir } = checkpoint({}, { dtype: 'F32' }, 6);
    const out = join(tempDir('import'), 'model');
    await importHfCheckpoint(dir, out, { forms: ['unfused', 'fused'], dtype: 'float32' });
    // Negate layer 1's router in the fused data file only: routing there must now disagree.
    const model = join(out, 'model.fused.onnx');
    const m = onnx.ModelProto.decode(readFileSync(model));
    const t = m.graph!.initializer!.find((i) => i.name === '/model/layers.1/moe/gate.weight')!;
    const e = Object.fromEntries(t.externalData!.map((x) => [x.key, x.value]));
    const data = readFileSync(`${model}.data`);
    const router = new Float32Array(data.buffer, data.byteOffset + Number(e.offset), Number(e.length) / 4);
    for (let i = 0; i < router.length; i++) router[i] = -router[i]!;
    writeFileSync(`${model}.data`, data);
    const report = await verifyImport(out);
    const fused = report.forms.find((f) => f.form === 'fused')!;
    expect(fused.flips[0]!.tokens).toEqual([]);
    expect(fused.flips[1]!.tokens.length).toBeGreaterThan(8);
    expect(report.forms.find((f) => f.form === 'unfused')!.flips.every((x) => x.tokens.length === 0)).toBe(true);
    expect(report.formFlips![1]!.tokens.length).toBeGreaterThan(8);
    expect(report.ok).toBe(false);
  });

  it('refuses a folder that is not a finished import', async () => {
    await expect(verifyImport(tempDir('empty'))).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});
