import { describe, expect, it } from 'vitest';
import { readContract } from '../../../analysis/capture/session-contract.ts';
import { kvPairs, pickKvNaming } from '../../../analysis/capture/session-kv-names.ts';

const cacheShape = ['batch', 2, 'past_sequence', 16];
const io = (names: string[], shape: (number | string)[] = cacheShape) => names.map((name) => ({ name, shape }));
const past = (L: number) => [`past_key_values.${L}.key`, `past_key_values.${L}.value`];
const logits = { name: 'logits', shape: ['batch', 'sequence', 99] };

describe('pickKvNaming', () => {
  it('pickKvNaming picks present.{L} or present_key_values.{L} by which outputs exist', () => {
    expect(
      pickKvNaming([...past(0), ...past(1)], ['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']),
    ).toMatchObject({ naming: { id: 'standard' }, layers: 2 });
    expect(pickKvNaming(past(0), ['present_key_values.0.key', 'present_key_values.0.value'])).toMatchObject({
      naming: { id: 'present_key_values' },
      layers: 1,
    });
    expect(pickKvNaming(['input_ids', 'past_0', 'key_cache.0'], ['logits'])).toBeNull();
  });

  it('kvPairs maps each past input to the present output fed back for it', () => {
    const { naming } = pickKvNaming(past(0), ['present_key_values.0.key', 'present_key_values.0.value'])!;
    expect(kvPairs(naming, 1)).toEqual([
      { past: 'past_key_values.0.key', present: 'present_key_values.0.key' },
      { past: 'past_key_values.0.value', present: 'present_key_values.0.value' },
    ]);
  });
});

describe('readContract without and with variant caches', () => {
  it('a graph with input_ids and logits but no KV-cache inputs is accepted with cache: false', () => {
    const meta = { 'acc_lens.config': JSON.stringify({ num_hidden_layers: 3, max_position_embeddings: 64 }) };
    const c = readContract(
      'm.onnx',
      io(['input_ids', 'attention_mask', 'position_ids'], ['batch', 'sequence']),
      [logits],
      meta,
    );
    expect(c).toMatchObject({
      cache: false,
      kvNaming: null,
      layers: 3,
      hasPositionIds: true,
      hasAttentionMask: true,
      vocab: 99,
      maxPositions: 64,
    });
    expect(readContract('m.onnx', io(['input_ids']), [logits])).toMatchObject({
      cache: false,
      layers: 0,
      hasAttentionMask: false,
    });
  });

  it('a past_* input that is no cache acc-lens reads is refused, not taken for a no-cache graph', () => {
    expect(() =>
      readContract('m.onnx', io(['input_ids', 'attention_mask', 'past_0']), [logits, { name: 'present_0' }]),
    ).toThrow(/unexpected inputs past_0/);
    expect(() =>
      readContract('m.onnx', io(['input_ids', 'attention_mask', 'key_cache.0', 'value_cache.0']), [logits]),
    ).toThrow(/unexpected inputs key_cache\.0, value_cache\.0/);
  });

  it('past_key_values inputs without matching present outputs are refused, naming the missing outputs', () => {
    expect(() => readContract('m.onnx', io(['input_ids', 'attention_mask', ...past(0)]), [logits])).toThrow(
      /missing output present\.0\.key, output present\.0\.value/,
    );
  });

  it('a cache tensor that is not 4-D is refused', () => {
    const inputs = [...io(['input_ids', 'attention_mask']), ...io(past(0), [2, 'batch', 2, 'past_sequence', 16])];
    expect(() => readContract('m.onnx', inputs, [logits, ...io(['present.0.key', 'present.0.value'])])).toThrow(
      /must be 4-D/,
    );
  });

  it('present_key_values.{L} outputs give a cached contract with that naming', () => {
    const c = readContract('m.onnx', io(['input_ids', 'attention_mask', ...past(0)]), [
      logits,
      ...io(['present_key_values.0.key', 'present_key_values.0.value']),
    ]);
    expect(c).toMatchObject({
      cache: true,
      kvNaming: { id: 'present_key_values' },
      layers: 1,
      kvHeads: 2,
      headDim: 16,
    });
  });
});
