export {
  planInstrumentation,
  captureName,
  type CaptureKind,
  type CaptureTensor,
  type Instrumentation,
} from './plan.ts';
export { addCaptureTensors, exposeCaptureOutputs, instrumentModel } from './apply.ts';
export { writeModel } from './write.ts';
