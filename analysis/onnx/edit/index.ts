/**
 * The one ONNX graph editor (docs/instrumentation.md, "Graph edits"): instrumentation, the capture
 * reductions and the narrowed LM head use it.
 */
export { GraphEdit, intAttribute, type IntAttrs } from './graph-edit.ts';
export { constantTensor, dataTypeOf, elemTypeOf, isFloatType, type ElemType, type FloatType } from './dtype.ts';
export { inferElemTypes } from './elem-types.ts';
export { AXES_AS_INPUT_SINCE, axesAsInput, defaultOpset } from './opset.ts';
export { removeDeadNodes } from './prune.ts';
