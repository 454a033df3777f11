import { expect } from 'vitest';
import { instrumentBytes, run, type Fixture } from './fixtures.ts';
import { maxAbsDiff } from './reference.ts';

/**
 * Instruments a fixture, runs original and instrumented copies, and checks: original outputs bit-identical
 * (or within `outputTolerance` where the kernel takes another code path once asked for probabilities);
 * exposed probabilities within 1e-5 of the float64 reference; rows sum to 1 over visible keys; masked keys
 * exactly 0; no NaN; router logits and top-k equal to the reference.
 */
export async function checkFixture(fixture: Fixture, outputTolerance = 0) {
  const { plan, bytes } = instrumentBytes(fixture.bytes);
  const plain = await run(fixture.bytes, fixture.feeds);
  const inst = await run(bytes, fixture.feeds);
  const diffs: Record<string, number> = {};
  for (const [name, tensor] of Object.entries(plain)) {
    diffs[`original ${name}`] = maxAbsDiff(
      Array.from(inst[name]!.data as Float32Array, Number),
      Array.from(tensor.data as Float32Array, Number),
    );
    expect(diffs[`original ${name}`], name).toBeLessThanOrEqual(outputTolerance);
  }
  for (const [name, ref] of Object.entries(fixture.probs)) {
    const got = inst[name];
    expect(got, `${name} exposed`).toBeDefined();
    const data = got!.data as Float32Array;
    expect(got!.dims.at(-1)).toBe(ref.total);
    diffs[name] = maxAbsDiff(data, ref.values);
    expect(diffs[name], name).toBeLessThan(1e-5);
    for (let row = 0; row < data.length / ref.total; row++) {
      const i = row % ref.query;
      let sum = 0;
      for (let j = 0; j < ref.total; j++) {
        const p = data[row * ref.total + j]!;
        expect(Number.isNaN(p)).toBe(false);
        if (ref.visible(i, j)) sum += p;
        else expect(p, `${name} row ${row} key ${j} masked`).toBe(0);
      }
      expect(Math.abs(sum - 1), `${name} row ${row} sums to 1`).toBeLessThan(1e-5);
    }
  }
  for (const [layer, ref] of Object.entries(fixture.routing ?? {})) {
    const logits = inst[`acc_lens.router_logits.${layer}`]!.data as Float32Array;
    diffs[`router_logits.${layer}`] = maxAbsDiff(logits, ref.logits);
    expect(diffs[`router_logits.${layer}`]).toBeLessThan(1e-5);
    expect(Array.from(inst[`acc_lens.topk_ids.${layer}`]!.data as BigInt64Array, Number)).toEqual(ref.ids);
    diffs[`topk_weights.${layer}`] = maxAbsDiff(
      inst[`acc_lens.topk_weights.${layer}`]!.data as Float32Array,
      ref.weights,
    );
    expect(diffs[`topk_weights.${layer}`]).toBeLessThan(1e-5);
  }
  return { plan, diffs };
}
