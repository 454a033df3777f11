import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import { fail } from '../errors.ts';

// onnx-proto is CommonJS (protobufjs static code, ONNX 1.10.2 schema); its namespace sits on the default export.
export const { onnx } = onnxProto;
export type ModelProto = P.ModelProto;
export type GraphProto = P.IGraphProto;
export type NodeProto = P.INodeProto;
export type TensorProto = P.ITensorProto;
export type ValueInfoProto = P.IValueInfoProto;
export type AttributeProto = P.IAttributeProto;

/** A decoded model plus where it came from; external data stays on disk and is only checked. */
export interface LoadedModel {
  path: string;
  dir: string;
  model: ModelProto;
  /** External data files the initializers reference, relative to `dir` as written in the model. */
  externalDataFiles: string[];
}

const TOP_FIELDS: Record<number, string> = {
  1: 'ir_version',
  2: 'producer_name',
  3: 'producer_version',
  4: 'domain',
  5: 'model_version',
  6: 'doc_string',
  7: 'graph',
  8: 'opset_import',
  14: 'metadata_props',
  20: 'training_info',
  25: 'functions',
};

/** protobuf int64 values arrive as number or Long; both become a JS number (dims and offsets fit in 2^53). */
export function int(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/**
 * Reads an ONNX model without materializing weights as JS numbers: raw_data stays a view on the file
 * buffer and external data is only checked for presence and size.
 * @example const { model } = readModel('models/reference/base.onnx');
 */
export function readModel(path: string): LoadedModel {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) fail('E_FILE_NOT_FOUND', `ONNX model not found: ${path}`);
  const bytes = readFileSync(full);
  if (bytes.length === 0) fail('E_ONNX_INVALID', `${path}: empty file`);
  const structural = checkTopLevelWire(bytes);
  if (structural !== null) fail('E_ONNX_INVALID', `${path}: ${structural}`);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    fail('E_ONNX_INVALID', `${path}: not a valid ONNX protobuf (${(error as Error).message})`);
  }
  if (model.graph === null || model.graph === undefined)
    fail('E_ONNX_INVALID', `${path}: no graph (ModelProto field 7 is missing)`);
  const dir = dirname(full);
  return { path: full, dir, model, externalDataFiles: checkExternalData(model, dir, path) };
}

/** Walks top-level ModelProto fields so truncation is reported by field rather than by byte offset. */
function checkTopLevelWire(bytes: Uint8Array): string | null {
  let pos = 0;
  const varint = (): number | null => {
    let result = 0;
    let shift = 0;
    while (pos < bytes.length) {
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) return null;
    }
    return null;
  };
  while (pos < bytes.length) {
    const tag = varint();
    if (tag === null) return 'truncated: protobuf ended inside a field tag';
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    const label = `field ${field}${TOP_FIELDS[field] ? ` (${TOP_FIELDS[field]})` : ''}`;
    if (field === 0) return `not protobuf: field number 0 at byte ${pos}`;
    if (wire === 0) {
      if (varint() === null) return `truncated: protobuf ended inside ${label}`;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (length === null) return `truncated: protobuf ended inside ${label}`;
      pos += length;
    } else return `not protobuf: wire type ${wire} in ${label} at byte ${pos}`;
    if (pos > bytes.length) return `truncated: protobuf ended inside ${label} (${pos - bytes.length} bytes missing)`;
  }
  return null;
}

/** Checks every EXTERNAL initializer's file exists and holds offset + length bytes. */
function checkExternalData(model: ModelProto, dir: string, path: string): string[] {
  const files = new Map<string, number>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (location === undefined || location === '')
      fail('E_ONNX_INVALID', `${path}: initializer "${tensor.name}" has external data without a location`);
    let size = files.get(location);
    if (size === undefined) {
      const file = resolve(dir, location);
      if (!existsSync(file)) {
        fail(
          'E_FILE_NOT_FOUND',
          `${path}: external data file "${location}" (for initializer "${tensor.name}") not found in ${dir}`,
          'Keep the .onnx file and its external data file(s) in the same folder, as the exporter wrote them.',
        );
      }
      size = statSync(file).size;
      files.set(location, size);
    }
    const offset = Number(entries.get('offset') ?? 0);
    const length = entries.has('length') ? Number(entries.get('length')) : 0;
    if (offset + length > size) {
      fail(
        'E_ONNX_INVALID',
        `${path}: external data "${location}" is ${size} bytes, but initializer "${tensor.name}" needs bytes ${offset}..${offset + length}`,
      );
    }
  }
  return [...files.keys()];
}
