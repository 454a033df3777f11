import { Dictionary, Int16, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  decodeTable,
  encodeTable,
  META,
  PROBES,
  provenanceMetadata,
  ROUTING,
  SchemaError,
  SEGMENTS,
  TABLES,
  SCHEMA_VERSION,
  TABLE_NAMES,
} from '../../../analysis/schema/index.ts';
import { probeSet, unitTables } from '../io/fixtures.ts';
import { decodedRows, sortRows, toRows } from '../io/rows.ts';

const meta = provenanceMetadata(
  {
    models: { base: 'a'.repeat(64) },
    tokenizer: { id: 't', sha256: 'c'.repeat(64) },
    probeSetHash: 'd'.repeat(64),
    plan: { b: 1, a: [2] },
  },
  'x',
);
const unit = { model: 'base', probe_id: 'p 1' };

describe('encodeTable / decodeTable', () => {
  it('round-trips every table through IPC file bytes (sorted, dictionaries, nulls)', () => {
    const { probes, segments } = probeSet();
    const inputs: Record<string, [Record<string, ArrayLike<unknown>>, Record<string, string>]> = {
      probes: [probes, {}],
      segments: [segments, {}],
      tokens: [
        {
          probe_id: ['a', 'a', 'b'],
          position: [0, 1, 0],
          token_id: [5, 6, 7],
          text: ['x', null, ''],
          char_start: [0, null, 0],
          char_end: [1, null, 0],
        },
        {},
      ],
      ...Object.fromEntries(Object.entries(unitTables(1)).map(([t, b]) => [t, [b, unit]])),
      router_probs: [{ layer: [1, 0], position: [0, 0], expert: [3, 1], prob: [0.2, 0.8] }, unit],
    };
    for (const name of TABLE_NAMES) {
      const [batch, constants] = inputs[name]!;
      const spec = TABLES[name];
      const bytes = tableToIPC(encodeTable(spec, batch as never, meta, constants), 'file');
      const back = decodedRows(spec, decodeTable(spec, tableFromIPC(bytes)));
      expect(back, name).toEqual(sortRows(spec, toRows(spec, batch, constants)));
    }
  });

  it('stores strings as Dictionary<Utf8, Int32> with fixed ids and layer/head as Int16', () => {
    const table = encodeTable(ROUTING, unitTables(0).routing as never, meta, unit);
    const model = table.schema.fields.find((f) => f.name === 'model')!;
    expect(model.type).toBeInstanceOf(Dictionary);
    expect((model.type as Dictionary).id).toBe(0);
    expect(table.schema.fields.find((f) => f.name === 'layer')!.type).toBeInstanceOf(Int16);
  });

  it('writes one record batch per layer, listed in acc_lens.batch_layers', () => {
    const table = tableFromIPC(tableToIPC(encodeTable(ROUTING, unitTables(0, 4).routing as never, meta, unit), 'file'));
    expect(table.batches.map((b) => b.numRows)).toEqual([32, 32, 32, 32]);
    expect(JSON.parse(table.schema.metadata.get(META.batchLayers)!)).toEqual([0, 1, 2, 3]);
    expect(table.batches.map((b) => b.get(0)!.layer)).toEqual([0, 1, 2, 3]);
  });

  it('sorts typed-array input too (rows out of layer order are reordered, not passed through)', () => {
    const routing = {
      layer: Int16Array.of(0, 1, 0, 1),
      position: Int32Array.of(0, 0, 1, 1),
      rank: Int16Array.of(0, 0, 0, 0),
      expert: Int16Array.of(10, 11, 12, 13),
      gate: Float32Array.of(1, 1, 1, 1),
    };
    const cols = decodeTable(ROUTING, tableFromIPC(tableToIPC(encodeTable(ROUTING, routing, meta, unit), 'file')));
    expect(Array.from(cols.layer as Int16Array)).toEqual([0, 0, 1, 1]);
    expect(Array.from(cols.expert as Int16Array)).toEqual([10, 12, 11, 13]);
  });

  it('is deterministic: the same batch gives byte-identical files', () => {
    const a = tableToIPC(encodeTable(SEGMENTS, probeSet().segments as never, meta), 'file');
    const b = tableToIPC(encodeTable(SEGMENTS, probeSet().segments as never, meta), 'file');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('keeps provenance metadata with canonical plan JSON', () => {
    const table = tableFromIPC(tableToIPC(encodeTable(PROBES, probeSet().probes as never, meta), 'file'));
    expect(table.schema.metadata.get(META.schemaVersion)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toMatch(/^1\.\d+\.\d+$/);
    expect(table.schema.metadata.get(META.plan)).toBe('{"a":[2],"b":1}');
  });

  it('rejects batches that do not fit: out-of-range int16, null in non-null column, ragged or missing columns', () => {
    const routing = { ...(unitTables(0).routing as unknown as Record<string, number[]>) };
    expect(() =>
      encodeTable(ROUTING, { ...routing, expert: routing.expert!.map(() => 40_000) } as never, meta, unit),
    ).toThrow(/routing.expert.*int16/);
    expect(() =>
      encodeTable(ROUTING, { ...routing, gate: routing.gate!.map(() => null) } as never, meta, unit),
    ).toThrow(SchemaError);
    expect(() => encodeTable(ROUTING, { ...routing, gate: [1] } as never, meta, unit)).toThrow(/gate.*rows/);
    const { rank: _rank, ...noRank } = routing;
    expect(() => encodeTable(ROUTING, noRank as never, meta, unit)).toThrow(/"rank" is missing/);
  });
});
