import { pendingCommand } from './pending.ts';

export const modelsCommand = pendingCommand(
  'models',
  'Build the reference model pair (base + tuned, unfused + fused ONNX) with its ground truth.',
  'Usage: acc-lens models build [--out models/reference]',
  'the foundation issue',
);
