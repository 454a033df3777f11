import { int, type ModelProto } from '../read-model.ts';

/** The model's ai.onnx opset version (0 when it imports none). */
export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return int(entry?.version ?? 0);
}

/**
 * The opset from which an op takes `axes` as its second input instead of an attribute
 * (ReduceSum and Squeeze/Unsqueeze moved at 13, the other reductions at 18).
 */
export const AXES_AS_INPUT_SINCE: Record<string, number> = {
  ReduceSum: 13,
  Squeeze: 13,
  Unsqueeze: 13,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceMean: 18,
  ReduceProd: 18,
  ReduceL1: 18,
  ReduceL2: 18,
  ReduceLogSum: 18,
  ReduceLogSumExp: 18,
  ReduceSumSquare: 18,
};

/** Whether `opType` at `opset` reads its axes from an input. */
export function axesAsInput(opType: string, opset: number): boolean {
  const since = AXES_AS_INPUT_SINCE[opType];
  if (since === undefined) throw new Error(`axesAsInput: ${opType} takes no axes`);
  return opset >= since;
}
