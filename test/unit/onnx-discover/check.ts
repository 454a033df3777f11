import { expect } from 'vitest';
import { instrumentBytes, run, type Fixture } from './fixtures.ts';
import { maxAbsDiff } from './reference.ts';
import { asFloat64 } from './tensors.ts';

/**
 * Instruments a fixture, runs original and instrumented copies, and checks: original outputs bit-identical
 * (or within `outputTolerance` where the kernel takes another code path once asked for probabilities);
 * exposed probabilities float32 and within `probTolerance` (1e-5; a float16 mirror's larger) of the float64 reference; rows sum to 1 over visible keys; masked keys
 * exactly 0; no NaN; router logits and top-k equal to the reference.
 */
export async function checkFixture(fixture: Fixture, outputTolerance = 0, probTolerance = 1e-5) {
  const { plan, bytes } = instrumentBytes(fixture.bytes);
  const plain = await run(fixture.bytes, fixture.feeds);
  const inst = await run(bytes, fixture.feeds);
  const diffs: Record<string, number> = {};
  for (const [name, tensor] of Object.entries(plain)) {
    diffs[`original ${name}`] = maxAbsDiff(asFloat64(inst[name]!), asFloat64(tensor));
    expect(diffs[`original ${name}`], name).toBeLessThanOrEqual(outputTolerance);
  }
  for (const [name, ref] of Object.entries(fixture.probs)) {
    const got = inst[name];
    expect(got, `${name} exposed`).toBeDefined();
    // Capture tensors are float32 whatever the model computes in.
    expect(got!.type, `${name} is float32`).toBe('float32');
    const data = got!.data as Float32Array;
    expect(got!.dims.at(-1)).toBe(ref.total);
    diffs[name] = maxAbsDiff(data, ref.values);
    expect(diffs[name], name).toBeLessThan(probTolerance);
    for (let row = 0; row < data.length / ref.total; row++) {
      const i = row % ref.query;
      let sum = 0;
      for (let j = 0; j < ref.total; j++) {
        const p = data[row * ref.total + j]!;
        expect(Number.isNaN(p)).toBe(false);
        if (ref.visible(i, j)) sum += p;
        else expect(p, `${name} row ${row} key ${j} masked`).toBe(0);
      }
      expect(Math.abs(sum - 1), `${name} row ${row} sums to 1`).toBeLessThan(Math.max(1e-5, probTolerance));
    }
  }
  for (const [layer, ref] of Object.entries(fixture.routing ?? {})) {
    const logits = inst[`acc_lens.router_logits.${layer}`]!;
    expect(logits.type).toBe('float32');
    diffs[`router_logits.${layer}`] = maxAbsDiff(logits.data as Float32Array, ref.logits);
    expect(diffs[`router_logits.${layer}`]).toBeLessThan(probTolerance);
    expect(Array.from(inst[`acc_lens.topk_ids.${layer}`]!.data as BigInt64Array, Number)).toEqual(ref.ids);
    diffs[`topk_weights.${layer}`] = maxAbsDiff(
      inst[`acc_lens.topk_weights.${layer}`]!.data as Float32Array,
      ref.weights,
    );
    expect(inst[`acc_lens.topk_weights.${layer}`]!.type).toBe('float32');
    expect(diffs[`topk_weights.${layer}`]).toBeLessThan(probTolerance);
  }
  return { plan, diffs };
}
